import { z } from 'zod';
import { SECRET_ENTITIES } from '../../detectors/index.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import { type DetectorKindSpec, compileDetectorRule, detectorFields } from '../detector-rule.js';

const SPEC: DetectorKindSpec = { detector: 'secrets', code: 'secret_detected', label: 'Secret detected', defaultAction: 'block', entities: SECRET_ENTITIES };

/** Credentials (cloud keys, LLM API keys, tokens, private keys, connection strings) in any message. */
export const secrets = defineRuleKind({
  type: 'secrets',
  stage: 'content',
  description: 'API keys, tokens, private keys and credentials: block, redact or flag',
  fields: {
    ...detectorFields('block'),
    restore_in_response: z.boolean().optional().describe('put redacted values back where their placeholders appear in the response'),
    report_example_secrets: z.boolean().optional().describe('also report documentation keys such as AKIAIOSFODNN7EXAMPLE (default false)'),
  },
  compile(config, env) {
    const entities = config.entities?.map((e) => e.toUpperCase());
    return compileDetectorRule(SPEC, config, env, {
      customized: config.report_example_secrets === true,
      scanner: {
        pii: false,
        secrets: { ...(entities ? { entities } : {}), ...(config.threshold !== undefined ? { threshold: config.threshold } : {}) },
        prompt_injection: false,
        encoding: true,
        exfiltration: false,
        reportExampleSecrets: config.report_example_secrets === true,
      },
    });
  },
});
