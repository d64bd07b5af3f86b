import { AsyncLocalStorage } from 'node:async_hooks';

const ambient = new AsyncLocalStorage<Readonly<Record<string, string>>>();

/**
 * Runs `fn` with labels attached to every wrapped call made inside it, however deep
 * (seed 003 ambient tags). Nested calls merge, the inner label winning.
 */
export function withLabels<T>(labels: Readonly<Record<string, string>>, fn: () => T): T {
  const outer = ambient.getStore();
  return ambient.run(outer ? { ...outer, ...labels } : { ...labels }, fn);
}

/** What `currentLabels()` answers outside `withLabels`: one shared empty object. */
export const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/** The ambient labels at this point of the async call chain (empty outside `withLabels`). */
export function currentLabels(): Readonly<Record<string, string>> {
  return ambient.getStore() ?? NO_LABELS;
}
