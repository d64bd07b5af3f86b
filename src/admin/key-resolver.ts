// Resolves virtual keys made through the admin API: by the SHA-256 of the presented secret,
// with a short cache so the gateway's hot path rarely touches the database. The cache is
// cleared on every local key change; other processes see a change within `ttlMs`.
import { createHash } from 'node:crypto';
import { keyStatus, type KeyStatus } from '../store/key-status.js';
import type { ApiKey, Store } from '../store/store.js';

const MAX_KEY_LENGTH = 512;
const MAX_CACHED = 10_000;

export type ResolvedKey = { status: KeyStatus; key: ApiKey };

export class StoreKeyResolver {
  private readonly cache = new Map<string, { at: number; value: ApiKey | null }>();
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: Pick<Store, 'findKeyByHash'>,
    options: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.ttlMs = options.ttlMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  /** The stored key for a secret and whether it may authenticate now; undefined when unknown. */
  async resolve(secret: string): Promise<ResolvedKey | undefined> {
    if (!secret || secret.length > MAX_KEY_LENGTH) return undefined;
    const hash = createHash('sha256').update(secret, 'utf8').digest('hex');
    const now = this.now();
    const hit = this.cache.get(hash);
    let key: ApiKey | null;
    if (hit && now - hit.at < this.ttlMs) {
      key = hit.value;
    } else {
      key = await this.store.findKeyByHash(hash);
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(hash, { at: now, value: key });
    }
    if (!key) return undefined;
    return { status: keyStatus(key, now), key };
  }

  invalidate(): void {
    this.cache.clear();
  }
}
