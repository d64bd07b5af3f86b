import { z } from 'zod';
import { INJECTION_ENTITIES } from '../../detectors/index.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import { type DetectorKindSpec, compileDetectorRule, detectorFields } from '../detector-rule.js';

const SPEC: DetectorKindSpec = { detector: 'prompt_injection', code: 'prompt_injection', label: 'Prompt injection detected', defaultAction: 'block', entities: INJECTION_ENTITIES };

/** Instruction overrides, jailbreaks, system-prompt extraction and role injection (also ROT13, base64, hex). */
export const promptInjection = defineRuleKind({
  type: 'prompt_injection',
  stage: 'content',
  description: 'prompt injection and jailbreak heuristics: block, redact or flag',
  fields: {
    ...detectorFields('block'),
    confirm_with_classifier: z
      .boolean()
      .optional()
      .describe('ask the configured LLM classifier before a block or redaction takes effect; a benign answer drops the hit (default false)'),
  },
  compile(config, env) {
    const entities = config.entities?.map((e) => e.toUpperCase());
    return compileDetectorRule(SPEC, config, env, {
      // Phrases combine per text (noisy-OR): a subset of entities changes the combined
      // score, so it needs a scanner of its own rather than a filter on the shared one.
      customized: entities !== undefined,
      scanner: {
        pii: false,
        secrets: false,
        prompt_injection: { ...(entities ? { entities } : {}), ...(config.threshold !== undefined ? { threshold: config.threshold } : {}) },
        encoding: true,
        exfiltration: false,
      },
    });
  },
});
