// How named policy documents live in the store. A document is versioned (every save is a
// new version); deleting one saves a tombstone version, so the history (who removed what,
// and when) survives and a rollback can bring it back.

const TOMBSTONE_FIELD = '$deleted';

export function tombstone(): Record<string, unknown> {
  return { [TOMBSTONE_FIELD]: true };
}

export function isTombstone(document: unknown): boolean {
  return typeof document === 'object' && document !== null && (document as Record<string, unknown>)[TOMBSTONE_FIELD] === true;
}

/** A stored document as the org's set compiles it: always scoped to that org. */
export function storedDocumentForOrg(org: string, document: unknown): unknown {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  const doc = document as Record<string, unknown>;
  const scope = typeof doc.scope === 'object' && doc.scope !== null ? (doc.scope as Record<string, unknown>) : {};
  return { ...doc, scope: { ...scope, org } };
}
