export { startGateway } from './start-gateway.js';
export { hashVirtualKey } from './auth.js';
export type { CompletionRecord, Gateway, GatewayLimits, GatewayLogger, GatewayOptions, KeyRecord, UpstreamConfig } from './types.js';
