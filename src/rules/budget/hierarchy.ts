import type { CompiledPolicy } from '../../engine/compile.js';
import type { PolicyIssue } from '../../engine/errors.js';
import type { PolicyScope } from '../../engine/policy-document.js';
import type { RuleEvaluator } from '../../engine/rule-kind.js';

/** A fixed cap a `budget` rule sets at the org, team or key level (per-user maps are not compared). */
export interface BudgetCap {
  level: 'org' | 'team' | 'key';
  window: 'day' | 'month' | 'none';
  metric: 'usd' | 'tokens' | 'requests';
  /** The rule field that sets it, for the issue path. */
  field: 'max_usd' | 'max_tokens' | 'max_calls';
  limit: number;
}

export type BudgetEvaluator = RuleEvaluator & { readonly budgetCaps?: readonly BudgetCap[] };

const RANK = { org: 0, team: 1, key: 2 } as const;
const UNIT: Record<BudgetCap['metric'], string> = { usd: 'USD', tokens: 'tokens', requests: 'calls' };

interface Located {
  cap: BudgetCap;
  scope: PolicyScope;
  policy: string;
  path: string;
}

/** True when every field the parent policy is scoped to is the child policy's too. */
function covers(parent: PolicyScope, child: PolicyScope): boolean {
  return (['org', 'team', 'user', 'key'] as const).every((f) => parent[f] === undefined || parent[f] === child[f]);
}

function capsOf(policies: readonly CompiledPolicy[]): Located[] {
  const out: Located[] = [];
  policies.forEach((p, i) => {
    if (!p.enabled || p.mode !== 'enforce') return;
    for (const rule of p.rules) {
      const caps = (rule.evaluate as BudgetEvaluator).budgetCaps;
      if (!caps) continue;
      const index = rule.order % 10_000;
      const base = policies.length > 1 ? `policies[${i}].rules[${index}]` : `rules[${index}]`;
      for (const cap of caps) out.push({ cap, scope: p.scope, policy: p.name, path: `${base}.${cap.field}` });
    }
  });
  return out;
}

/**
 * Seed 004: a key's budget cannot exceed its team's, nor a team's its org's. Checked where
 * both levels sit in one compiled set and the parent policy covers the child's scope; at run
 * time every level is reserved in the same atomic step anyway.
 */
export function budgetHierarchyIssues(policies: readonly CompiledPolicy[]): PolicyIssue[] {
  const caps = capsOf(policies);
  const issues: PolicyIssue[] = [];
  for (const child of caps) {
    for (const parent of caps) {
      const { cap: c } = child;
      const { cap: p } = parent;
      if (RANK[p.level] >= RANK[c.level] || p.window !== c.window || p.metric !== c.metric || c.limit <= p.limit) continue;
      if (!covers(parent.scope, child.scope)) continue;
      issues.push({ path: child.path, message: `the ${c.level} budget (${c.limit} ${UNIT[c.metric]} per ${c.window === 'none' ? 'total' : c.window}) is above the ${p.level} budget it sits within (${p.limit} in policy ${parent.policy}, ${parent.path})` });
      break;
    }
  }
  return issues;
}

/** A virtual key's `max_budget` above a team (or org) budget of the same window that covers the key. */
export function keyBudgetIssue(policies: readonly CompiledPolicy[], key: { org: string; team?: string; id: string; maxBudgetUsd?: number; budgetDuration?: string }): string | undefined {
  if (key.maxBudgetUsd === undefined) return undefined;
  const window = key.budgetDuration === '1d' ? 'day' : key.budgetDuration === undefined || key.budgetDuration === '1mo' ? 'month' : undefined;
  if (!window) return undefined;
  const scope: PolicyScope = { org: key.org, ...(key.team !== undefined ? { team: key.team } : {}), key: key.id };
  for (const parent of capsOf(policies)) {
    const p = parent.cap;
    if (p.metric !== 'usd' || p.window !== window || p.level === 'key' || key.maxBudgetUsd <= p.limit) continue;
    if (p.level === 'team' && key.team === undefined) continue;
    if (!covers(parent.scope, scope)) continue;
    return `max_budget ${key.maxBudgetUsd} USD per ${window} is above the ${p.level} budget of ${p.limit} (policy ${parent.policy}, ${parent.path})`;
  }
  return undefined;
}
