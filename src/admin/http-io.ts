import type { IncomingMessage, ServerResponse } from 'node:http';
import { AdminError, badInput } from './admin-error.js';

/** Admin bodies are small documents; a policy document with thousands of rules still fits. */
export const MAX_ADMIN_BODY_BYTES = 4 * 1024 * 1024;
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readBytes(req: IncomingMessage, maxBytes = MAX_ADMIN_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.reject(new AdminError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`, 'body'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.pause();
        reject(new AdminError(413, 'payload_too_large', `body is larger than ${maxBytes} bytes`, 'body'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/** The body as a JSON object; every failure names `body`. */
export async function readJsonObject(req: IncomingMessage, options: { allowEmpty?: boolean } = {}): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json') && type !== 'application/x-www-form-urlencoded' && type !== 'text/plain') {
    req.resume();
    throw new AdminError(415, 'invalid_request', `unsupported content type "${type.slice(0, 100)}"; send application/json`, 'content-type');
  }
  const bytes = await readBytes(req);
  if (bytes.length === 0) {
    if (options.allowEmpty) return {};
    throw badInput('body', 'body is empty; expected a JSON object');
  }
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch {
    throw badInput('body', 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badInput('body', 'body must be a JSON object');
  return value as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function sendError(res: ServerResponse, error: AdminError, headers: Record<string, string> = {}): void {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.field !== undefined) body.field = error.field;
  if (error.detail) Object.assign(body, error.detail);
  sendJson(res, error.status, { error: body }, headers);
}
