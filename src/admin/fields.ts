// Field readers for admin request bodies and query strings. Each names the field it
// refuses, so every 400 says exactly what to fix.
import { badInput } from './admin-error.js';

export type Body = Record<string, unknown>;

/** Refuses fields the endpoint does not know: a typo must not be silently ignored. */
export function onlyFields(body: Body, allowed: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) throw badInput(key, `unknown field ${key}; expected ${allowed.join(', ')}`);
  }
}

export function requiredString(body: Body, field: string, max = 200): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > max) throw badInput(field, `${field} must be a non-empty string of at most ${max} characters`);
  return value;
}

/** `undefined` when absent, `null` when explicitly null (PATCH clears it). */
export function optionalString(body: Body, field: string, max = 200, pattern?: RegExp): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length === 0 || value.length > max || (pattern && !pattern.test(value))) {
    throw badInput(field, `${field} must be a non-empty string of at most ${max} characters${pattern ? ` matching ${pattern.source}` : ''}`);
  }
  return value;
}

export function optionalPositiveInt(body: Body, field: string): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw badInput(field, `${field} must be a positive integer`);
  return value;
}

export function optionalPositiveNumber(body: Body, field: string): number | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw badInput(field, `${field} must be a positive number`);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw badInput(field, `${field} must be true or false`);
  return value;
}

/** LiteLLM durations: `30s`, `15m`, `12h`, `1d`, `30d`, `1mo`. */
export const DURATION = /^[1-9][0-9]{0,5}(s|m|h|d|mo)$/;

export function durationMs(text: string): number {
  const match = /^([0-9]+)(s|m|h|d|mo)$/.exec(text) as RegExpExecArray;
  const n = Number(match[1]);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, mo: 30 * 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd' | 'mo'];
  return n * unit;
}

export function optionalIsoTime(body: Body, field: string): string | null | undefined {
  const value = body[field];
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw badInput(field, `${field} must be an ISO 8601 time like 2026-05-12T14:08:32Z`);
  return new Date(Date.parse(value)).toISOString();
}

/** Ids chosen by callers (teams, users): readable, URL-safe. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,127}$/;

export function queryTime(params: URLSearchParams, field: string): string | undefined {
  const value = params.get(field);
  if (value === null) return undefined;
  if (Number.isNaN(Date.parse(value))) throw badInput(field, `${field} must be an ISO 8601 time`);
  return new Date(Date.parse(value)).toISOString();
}

export function queryLimit(params: URLSearchParams): number | undefined {
  const value = params.get('limit');
  if (value === null) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw badInput('limit', 'limit must be an integer from 1 to 1000');
  return n;
}
