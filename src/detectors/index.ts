// Public surface of the detector library. Nothing here depends on the rest of Warden.
export { compileScanner } from './scanner.js';
export { createRedactionState, placeholderFor, redact, restore, summarize } from './redact.js';
export type { RedactionResult, RedactionState } from './redact.js';
export { createStreamScanner } from './stream.js';
export type { StreamFinding, StreamScanner, StreamScannerOptions, StreamStep } from './stream.js';
export { normalize, originalSpan } from './text/normalize.js';
export type { HiddenKind, HiddenRun, Normalized } from './text/normalize.js';
export { PII_ENTITIES, PII_RECOGNIZERS } from './pii/recognizers.js';
export { SECRET_ENTITIES, SECRET_RECOGNIZERS, SECRET_RULES } from './secrets/index.js';
export { INJECTION_ENTITIES } from './injection/index.js';
export { ENCODING_ENTITIES } from './encoding/index.js';
export { EXFILTRATION_ENTITIES } from './exfiltration/index.js';
export { DETECTOR_NAMES } from './types.js';
export type {
  CustomPattern,
  DetectorConfig,
  DetectorName,
  ExfiltrationConfig,
  Finding,
  MatchInfo,
  Recognizer,
  Scanner,
  ScannerConfig,
  Via,
} from './types.js';
