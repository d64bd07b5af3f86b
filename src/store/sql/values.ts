// Conversions between rows and the port's types that both dialects share: SQLite gives
// text, integers and 0/1; Postgres gives Date, bigint-as-string, booleans and parsed JSON.
import { randomUUID } from 'node:crypto';
import { StoreInputError } from '../store-input-error.js';

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** A caller's time, normalized so text comparison equals time comparison in SQLite. */
export function isoTime(value: string, field: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new StoreInputError(`${field} is not a valid time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

export function timeMs(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new StoreInputError(`${field} is not a valid time: ${JSON.stringify(value)}`);
  return ms;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Guards against a raw secret being stored where its hash belongs. */
export function sha256Hex(value: string, field: string): string {
  if (!SHA256_HEX.test(value)) throw new StoreInputError(`${field} must be a lower-case hex SHA-256, never the secret itself`);
  return value;
}

export function str(value: unknown): string {
  return String(value);
}

export function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

export function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

export function bool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function time(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

export function timeOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : time(value);
}

export function json(value: unknown): unknown {
  return typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
}

export function jsonObject<T extends object>(value: unknown): T {
  const parsed = json(value);
  return (parsed !== null && typeof parsed === 'object' ? parsed : {}) as T;
}

// ---- pagination ----

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new StoreInputError('limit must be a positive integer');
  return Math.min(limit, MAX_LIMIT);
}

/** Cursors are base64url JSON naming the list they belong to and the last position seen. */
export function encodeCursor(list: string, position: number): string {
  return Buffer.from(JSON.stringify({ l: list, p: position }), 'utf8').toString('base64url');
}

export function decodeCursor(list: string, cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { l?: unknown; p?: unknown };
    if (value.l === list && typeof value.p === 'number' && Number.isSafeInteger(value.p)) return value.p;
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new StoreInputError('invalid cursor');
}

/** Builds `$n` placeholders while collecting their values, so dynamic WHERE clauses stay parameterized. */
export class Params {
  readonly values: (string | number | boolean | null)[] = [];

  add(value: string | number | boolean | null): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
