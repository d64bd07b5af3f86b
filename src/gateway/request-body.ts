import type { IncomingMessage } from 'node:http';
import { GatewayError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });
/** Deeper JSON than this is no LLM request; refusing it keeps later stringify and walks bounded. */
const MAX_JSON_DEPTH = 64;

/** Reads the request body, refusing it (413) as soon as it passes `maxBytes`. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(tooLarge(maxBytes));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        reject(tooLarge(maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function tooLarge(maxBytes: number): GatewayError {
  return new GatewayError(413, 'payload_too_large', `request body is larger than ${maxBytes} bytes`, 'body');
}

/** JSON, or the plain types curl and simple clients send by default (the body must still be JSON); anything else is 415. */
export function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === '' || type === 'application/json' || type.endsWith('+json') || type === 'application/x-www-form-urlencoded' || type === 'text/plain') return;
  throw new GatewayError(415, 'invalid_request', `unsupported content type "${type.slice(0, 100)}"; send application/json`, 'content-type');
}

/** Decodes strict UTF-8 and parses JSON; every failure is the caller's (400). */
export function parseJsonBody(bytes: Buffer): unknown {
  if (bytes.length === 0) throw new GatewayError(400, 'invalid_request', 'request body is empty; expected a JSON object', 'body');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new GatewayError(400, 'invalid_request', 'request body is not valid UTF-8', 'body');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the input, which may hold a secret: never echo it.
    throw new GatewayError(400, 'invalid_request', 'request body is not valid JSON', 'body');
  }
  if (tooDeep(value, 0)) throw new GatewayError(400, 'invalid_request', `request body nests deeper than ${MAX_JSON_DEPTH} levels`, 'body');
  return value;
}

function tooDeep(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth >= MAX_JSON_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (tooDeep(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (tooDeep((value as Record<string, unknown>)[key], depth + 1)) return true;
  return false;
}
