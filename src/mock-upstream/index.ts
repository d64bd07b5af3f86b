export { startMockUpstream } from './mock-upstream.js';
export type { MockUpstream, MockUpstreamOptions } from './mock-upstream.js';
export type { MockBehavior, RecordedRequest } from './types.js';
