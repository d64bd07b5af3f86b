import { describe, expect, it } from 'vitest';
import { runCounterStoreContract } from '../counter-store.contract.js';
import { createMemoryCounterStore } from './memory-store.js';

runCounterStoreContract('memory', { create: async () => createMemoryCounterStore() });

describe('MemoryCounterStore', () => {
  it('forgets idle counters after their window and grace, so memory stays flat', async () => {
    const store = createMemoryCounterStore();
    const t0 = Date.UTC(2026, 10, 22);
    for (let i = 0; i < 2000; i++) {
      await store.add(`loop:${i}`, 1, { kind: 'sliding', ms: 1000 }, t0);
    }
    // The periodic sweep runs on later operations once the counters are past their life.
    for (let i = 0; i < 2048; i++) await store.setIfAbsent(`d:${i}`, 10, t0 + 10 * 60_000);
    expect(await store.usage(['loop:0', 'loop:1999'], t0 + 10 * 60_000)).toEqual([0, 0]);
    expect(Reflect.get(store, 'counters')).toHaveProperty('size', 0);
  });
});
