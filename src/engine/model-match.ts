/**
 * Model lists in policies name models the way people do (`claude-3-haiku`, `gpt-4o`),
 * while clients send dated ids (`claude-3-haiku-20240307`, `gpt-4o-2024-08-06`).
 * An entry matches the exact id, the id without its snapshot suffix (`-20240307`,
 * `-2024-08-06`, `-0613`, `-latest`), or, when it ends in `*`, any id with that prefix.
 * Stripping snapshots matters for blocklists: `gpt-4` must also block `gpt-4-0613`.
 */
const DATE_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2}|\d{4}|latest)$/;

export function baseModelId(model: string): string {
  return model.replace(DATE_SUFFIX, '');
}

export interface ModelMatcher {
  (model: string): boolean;
  readonly entries: readonly string[];
}

export function modelMatcher(entries: readonly string[]): ModelMatcher {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry.endsWith('*')) prefixes.push(entry.slice(0, -1));
    else exact.add(entry);
  }
  const match = (model: string): boolean => {
    const id = model.toLowerCase();
    if (exact.has(id) || exact.has(baseModelId(id))) return true;
    for (const prefix of prefixes) if (id.startsWith(prefix)) return true;
    return false;
  };
  return Object.assign(match, { entries: [...entries] });
}
