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
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new InvalidRequestBodyError(path, `expected a string, got ${typeName(value)}`);
  return value;
}

export function optionalPositiveInt(body: Record<string, unknown>, field: string): number | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new InvalidRequestBodyError(field, `expected a positive integer, got ${typeName(value)}`);
  }
  return value;
}

export function optionalBoolean(body: Record<string, unknown>, field: string): boolean {
  const value = body[field];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw new InvalidRequestBodyError(field, `expected a boolean, got ${typeName(value)}`);
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
