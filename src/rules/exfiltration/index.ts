import { z } from 'zod';
import { EXFILTRATION_ENTITIES } from '../../detectors/index.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import { type DetectorKindSpec, compileDetectorRule, detectorFields } from '../detector-rule.js';

const SPEC: DetectorKindSpec = { detector: 'exfiltration', code: 'exfiltration', label: 'Exfiltration attempt detected', defaultAction: 'block', entities: EXFILTRATION_ENTITIES };

const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*$/, 'a host name such as docs.acme.com or *.acme.com');

/** Markdown/HTML images and links that carry data to outside hosts, and "send the conversation to ..." instructions. */
export const exfiltration = defineRuleKind({
  type: 'exfiltration',
  stage: 'content',
  description: 'data exfiltration through images, links and send-it-to instructions: block, redact or flag',
  fields: {
    ...detectorFields('block'),
    allowed_hosts: z.array(host).max(1000).optional().describe('hosts (and their subdomains) images and links may point at freely'),
  },
  compile(config, env) {
    const allowedHosts = config.allowed_hosts ?? [];
    const entities = config.entities?.map((e) => e.toUpperCase());
    return compileDetectorRule(SPEC, config, env, {
      customized: allowedHosts.length > 0,
      scanner: {
        pii: false,
        secrets: false,
        prompt_injection: false,
        encoding: true,
        exfiltration: { allowedHosts, ...(entities ? { entities } : {}), ...(config.threshold !== undefined ? { threshold: config.threshold } : {}) },
      },
    });
  },
});
