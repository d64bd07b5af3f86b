import { ENCODING_ENTITIES } from '../../detectors/index.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import { type DetectorKindSpec, compileDetectorRule, detectorFields } from '../detector-rule.js';

/**
 * Flag by default, unlike the other detector kinds: bidi controls and zero-width characters
 * also occur in ordinary right-to-left and emoji text. Block the clear attacks per entity
 * (`actions: { UNICODE_TAGS: block }`).
 */
const SPEC: DetectorKindSpec = { detector: 'encoding', code: 'encoded_payload', label: 'Encoded payload detected', defaultAction: 'flag', entities: ENCODING_ENTITIES };

/** Hidden characters (Unicode tags, bidi, zero-width, variation selectors) and encoded payloads. */
export const encoding = defineRuleKind({
  type: 'encoding',
  stage: 'content',
  description: 'smuggled or encoded text (Unicode tags, bidi controls, base64/hex/URL/ROT13 payloads): block, redact or flag',
  fields: detectorFields('flag'),
  compile(config, env) {
    return compileDetectorRule(SPEC, config, env, {
      customized: false,
      // A payload's score depends on what the other detectors find in the decoded text.
      scanner: { pii: true, secrets: true, prompt_injection: true, exfiltration: true, encoding: config.threshold !== undefined ? { threshold: config.threshold } : true },
    });
  },
});
