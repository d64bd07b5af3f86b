import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './errors.js';

const MAX_LABELS = 64;
const MAX_LABEL_KEY = 128;
const MAX_LABEL_VALUE = 1024;
const MAX_ID_LENGTH = 256;

export interface RequestContext {
  labels: Record<string, string>;
  sessionId?: string;
  missionId?: string;
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function id(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = single(headers, name)?.trim();
  if (!value) return undefined;
  if (value.length > MAX_ID_LENGTH) throw new GatewayError(400, 'invalid_request', `${name} is longer than ${MAX_ID_LENGTH} characters`, name);
  return value;
}

/** `x-warden-labels` (a JSON object of strings), `x-warden-session-id`, `x-warden-mission-id`. */
export function readRequestContext(headers: IncomingHttpHeaders): RequestContext {
  const context: RequestContext = { labels: NO_LABELS };
  const raw = single(headers, 'x-warden-labels');
  if (raw !== undefined && raw.trim() !== '') context.labels = parseLabels(raw);
  const sessionId = id(headers, 'x-warden-session-id');
  if (sessionId) context.sessionId = sessionId;
  const missionId = id(headers, 'x-warden-mission-id');
  if (missionId) context.missionId = missionId;
  return context;
}

function parseLabels(raw: string): Record<string, string> {
  const invalid = (why: string) => new GatewayError(400, 'invalid_request', `x-warden-labels ${why}`, 'x-warden-labels');
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw invalid('is not valid JSON; expected an object of string labels, e.g. {"team":"search"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('must be a JSON object of string labels');
  const entries = Object.entries(value);
  if (entries.length > MAX_LABELS) throw invalid(`has more than ${MAX_LABELS} labels`);
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, label] of entries) {
    if (typeof label !== 'string') throw invalid(`label "${key.slice(0, MAX_LABEL_KEY)}" must be a string`);
    if (key.length > MAX_LABEL_KEY || label.length > MAX_LABEL_VALUE) throw invalid(`label "${key.slice(0, MAX_LABEL_KEY)}" is too long`);
    labels[key] = label;
  }
  return labels;
}
