import type { z } from 'zod';
import type { Finding, Scanner } from '../detectors/index.js';
import type { PolicyScope } from './policy-document.js';
import type { CostEstimate, LlmRequest, Message, RuleResult, Stage, Tenant } from './types.js';

/**
 * What a rule sees while the engine decides. Everything costly (token counts,
 * cost, joined text) is computed on first use and shared by all rules.
 */
export interface EvalContext {
  readonly request: LlmRequest;
  readonly tenant: Tenant;
  /** Milliseconds since the epoch: the injected clock. */
  readonly now: number;
  /** The model as it stands at this point (a default or downgrade may have changed it). */
  readonly model: string | undefined;
  /** The messages as they stand at this point (earlier redactions applied). */
  readonly messages: readonly Message[];
  /** Input tokens of the current messages (exact where a tokenizer exists). */
  inputTokens(): number;
  /**
   * A cheap upper bound of `inputTokens()`; decide from it when it is conclusive. Give the
   * `limit` it is compared with: a bound above it is tightened once before it is returned.
   */
  inputTokensAtMost(limit?: number): number;
  /** A cheap upper bound of `estimate().costUsd` (null: no known price); `limit` as above. */
  costAtMost(limit?: number): number | null;
  /** Worst-case cost of the call with the current messages and the current model, or `model` if given. */
  estimate(model?: string): CostEstimate;
  /** Every readable text of the request, one entry per message part and tool-call argument. */
  texts(): readonly string[];
  /** The engine-wide answer for a cost rule when the model has no known price. */
  readonly unknownPrice: 'block' | 'allow';
  /** Parts `texts()` could not read (images, audio, files); set once `texts()` ran. */
  readonly skippedParts?: number;
}

/** A compiled rule: a closure over its validated config. Must not throw for any request. */
export type RuleEvaluator = ((ctx: EvalContext) => RuleResult) & {
  /** Set by rules that also inspect responses; the output stage (gateway, SDK) runs it. */
  readonly output?: OutputCheck;
};

/**
 * How a detector rule judges response text (`apply_to: [output]`). The host scans the
 * response with `scanner` (once per distinct scanner) and asks each rule about each finding.
 */
export interface OutputCheck {
  readonly scanner: Scanner;
  /** What the rule does with a finding; `undefined` when the finding is not its concern. */
  actionFor(finding: Finding): 'block' | 'redact' | 'flag' | undefined;
  /** Stable code of a block (`secret_detected`, ...). */
  readonly code: string;
  /** Lead of the reason (`Secret detected`); the reason adds entity types and counts, never values. */
  readonly label: string;
}

export interface CompileIssue {
  /** Path relative to the rule, e.g. `['patterns', 1]`. */
  path: (string | number)[];
  message: string;
}

export interface CompileEnv {
  /** Report a problem found while compiling (bad regex, unknown model reference, ...). */
  issue(path: (string | number)[], message: string): void;
  /** The policy the rule belongs to, and where that policy applies. */
  readonly policy: string;
  readonly scope: PolicyScope;
}

/**
 * One kind of rule: its document schema, the stage it runs in and how it compiles.
 * Each kind lives in its own folder under `src/rules/` and registers in `src/rules/registry.ts`.
 */
export interface RuleKind<C = unknown> {
  readonly type: string;
  readonly stage: Stage;
  /** One line for `warden policy schema` and the docs. */
  readonly description: string;
  /**
   * The kind's own fields. The engine adds the common ones (`type`, `name`, `when`,
   * `description`) and refuses unknown fields.
   */
  readonly fields: z.ZodRawShape;
  /** Cross-field checks zod cannot express; report through `env.issue`. */
  compile(config: C, env: CompileEnv): RuleEvaluator;
}

/** Declares a rule kind with its config type inferred from `fields`. */
export function defineRuleKind<S extends z.ZodRawShape>(kind: {
  type: string;
  stage: Stage;
  description: string;
  fields: S;
  compile(config: z.infer<z.ZodObject<S>> & { name?: string }, env: CompileEnv): RuleEvaluator;
}): RuleKind {
  return kind as unknown as RuleKind;
}
