import type { ServerResponse } from 'node:http';
import type { Decision } from '../engine/types.js';
import type { WireFormat } from './wire-formats.js';

/** An answer the gateway gives itself (not the upstream's): status, stable code, message. */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** The message of a refused call: the reason, then which policy and rule said so. */
export function decisionMessage(decision: Decision): string {
  const where = decision.policy ? ` (policy ${decision.policy}, rule ${decision.rule ?? 'unknown'})` : '';
  return `${decision.reason}${where}`;
}

/**
 * Writes an error in the caller's wire format. When the request body was not read to
 * the end, the connection is closed after the answer so no unread bytes stay on it.
 */
export function sendWireError(res: ServerResponse, wire: WireFormat, requestId: string, error: GatewayError, warden?: object, closeConnection = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(wire.errorBody({ status: error.status, message: error.message, code: error.code, param: error.param, warden, requestId }));
  const headers: Record<string, string | number> = { ...error.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
  if (closeConnection) headers.connection = 'close';
  res.writeHead(error.status, headers).end(body);
}
