import type { LlmRequest } from '../engine/types.js';

/** The part of an LlmRequest that comes from the body; the edge adds id, labels, session and mission. */
export type BodyRequest = Omit<LlmRequest, 'requestId' | 'labels' | 'sessionId' | 'missionId'>;

/** A body the provider would refuse: `param` names the field, as OpenAI's error format does. */
export class InvalidRequestBodyError extends Error {
  readonly code = 'invalid_request';
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
    this.name = 'InvalidRequestBodyError';
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optionalString(body: Record<string, unknown>, field: string, path = field): string | undefined {
  return stringValue(body[field], path);
}

export function optionalPositiveInt(body: Record<string, unknown>, field: string): number | undefined {
  return positiveIntValue(body[field], field);
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean {
  return booleanValue(body[field], field);
}

// The checks on a value already read: a parser on every call's path reads its fields by name
// (`body.model`), each read at its own site, instead of through `body[field]` in one shared
// helper, a lookup by a varying key that V8 serves from a global cache.

export function stringValue(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestBodyError(path, `expected a string, got ${typeName(value)}`);
  return value;
}

export function positiveIntValue(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidRequestBodyError(path, `expected a positive integer, got ${typeName(value)}`);
  }
  return value;
}

export function booleanValue(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidRequestBodyError(path, `expected a boolean, got ${typeName(value)}`);
  return value;
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Tool-call arguments as text: providers send JSON text (OpenAI) or objects (Anthropic). */
export function argumentsText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? {});
}
