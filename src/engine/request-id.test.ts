import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { newRequestId } from './request-id.js';

describe('newRequestId', () => {
  it('gives req_ and 24 hex digits, never the same twice, across several pools', async () => {
    const seen = new Set<string>();
    // 341 ids per pool: 2,000 ids cross five pools, drawn in the background and on demand.
    for (let i = 0; i < 2_000; i++) {
      const id = newRequestId();
      expect(id).toMatch(/^req_[0-9a-f]{24}$/);
      seen.add(id);
      if (i % 500 === 0) await tick();
    }
    expect(seen.size).toBe(2_000);
  });
});
