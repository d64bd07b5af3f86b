import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PolicyValidationError } from './errors.js';

/**
 * Where a policy applies. No `org` = every org (single-tenant use, the SDK, `policy explain`).
 * A team policy applies to the team's keys and users; a user or key policy to that one only.
 */
export const scopeSchema = z
  .object({
    org: z.string().min(1).optional(),
    team: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .strict();

export type PolicyScope = z.infer<typeof scopeSchema>;

const environmentName = z.string().min(1).max(64);

/** The envelope of a policy document. Rules are validated one by one against their kind. */
export const documentSchema = z
  .object({
    policy_name: z.string().min(1).max(200).optional().describe('name of the policy (seed 002 shape)'),
    name: z.string().min(1).max(200).optional().describe('name of the policy (alias of policy_name)'),
    description: z.string().max(2000).optional(),
    scope: scopeSchema.optional(),
    environment: z
      .union([environmentName, z.array(environmentName)])
      .optional()
      .describe('environment(s) this policy applies to; none = all'),
    environments: z.array(environmentName).optional(),
    mode: z.enum(['enforce', 'monitor']).optional().describe('monitor = record what would happen, change nothing'),
    enabled: z.boolean().optional(),
    rules: z.array(z.unknown()).describe('ordered rules'),
  })
  .strict()
  .superRefine((doc, ctx) => {
    if (!doc.policy_name && !doc.name) {
      ctx.addIssue({ code: 'custom', path: ['policy_name'], message: 'a policy needs a name (policy_name or name)' });
    }
    if (doc.policy_name && doc.name && doc.policy_name !== doc.name) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'name and policy_name differ; give one' });
    }
  });

/** A policy document as written by a user (YAML, JSON, API body, or built in code). */
export type PolicyDocument = z.input<typeof documentSchema> & { rules: unknown[] };

/**
 * Reads a policy file's text: YAML (of which JSON is a subset). A file may hold one
 * document, a list of documents, or `{ policies: [...] }`.
 */
export function parsePolicyText(text: string, source = 'policy'): PolicyDocument[] {
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw new PolicyValidationError([{ path: '', message: `not valid YAML/JSON: ${(err as Error).message.split('\n')[0]}` }], source);
  }
  if (Array.isArray(value)) return value as PolicyDocument[];
  if (value && typeof value === 'object' && 'policies' in value && Array.isArray((value as { policies: unknown }).policies)) {
    return (value as { policies: PolicyDocument[] }).policies;
  }
  if (value && typeof value === 'object') return [value as PolicyDocument];
  throw new PolicyValidationError([{ path: '', message: 'expected a policy document (an object with policy_name and rules)' }], source);
}
