import { z } from 'zod';
import { allRuleKinds, ruleSchema } from './compile.js';
import { CONDITION_VARIABLES } from './conditions.js';
import { documentSchema } from './policy-document.js';

/**
 * The JSON Schema of a policy document, for editor completion (`warden policy schema`).
 * Rules are a union over every registered kind, so editors complete each kind's fields.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const kinds = [...allRuleKinds().values()];
  const custom = z
    .object({ type: z.literal('custom'), name: z.string().optional(), when: z.string().optional(), ref: z.string() })
    .strict()
    .describe('a custom rule registered with the engine in code');
  const rules = z.array(z.union([...kinds.map((k) => ruleSchema(k).describe(k.description)), custom] as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]]));
  const document = documentSchema.safeExtend({ rules: rules.describe('ordered rules') });
  const schema = z.toJSONSchema(document, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'Warden policy document',
    ...schema,
    'x-condition-variables': Object.fromEntries(Object.entries(CONDITION_VARIABLES).map(([k, [type, doc]]) => [k, { type, description: doc }])),
  };
}
