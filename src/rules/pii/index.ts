import { z } from 'zod';
import { PII_ENTITIES, PII_RECOGNIZERS } from '../../detectors/index.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import { type DetectorKindSpec, compileDetectorRule, detectorFields } from '../detector-rule.js';

const SPEC: DetectorKindSpec = {
  detector: 'pii',
  code: 'pii_detected',
  label: 'PII detected',
  defaultAction: 'block',
  entities: PII_ENTITIES,
  optIn: new Set(PII_RECOGNIZERS.filter((r) => r.optIn).map((r) => r.entity)),
};

/**
 * Personal data in any message (seed 004 "PII scanning"): block (default), redact with
 * typed placeholders, or flag, per entity if wanted.
 */
export const pii = defineRuleKind({
  type: 'pii',
  stage: 'content',
  description: 'personal data (e-mail, phone, cards, IBAN, national ids, ...): block, redact or flag',
  fields: {
    ...detectorFields('block'),
    restore_in_response: z.boolean().optional().describe('put redacted values back where their placeholders appear in the response'),
  },
  compile(config, env) {
    const entities = config.entities?.map((e) => e.toUpperCase());
    return compileDetectorRule(SPEC, config, env, {
      customized: false,
      scanner: { pii: { ...(entities ? { entities } : {}), ...(config.threshold !== undefined ? { threshold: config.threshold } : {}) }, secrets: false, prompt_injection: false, encoding: true, exfiltration: false },
    });
  },
});
