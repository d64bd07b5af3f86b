// `/healthz` and `/readyz`: liveness without dependencies, readiness from cached, time-bounded
// probes of the counter store and other registered components.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounterStore } from '../../src/counters/memory/memory-store.js';
import { HealthChecks } from '../../src/observability/health-checks.js';
import { type Stack, startStack } from '../gateway/harness.js';
import { scrape, value } from './scrape.js';

describe('HealthChecks', () => {
  it('caches probe results and times out a probe that hangs', async () => {
    let pings = 0;
    const checks = new HealthChecks(
      [
        { name: 'db', ping: async () => void pings++ },
        { name: 'broken', ping: () => Promise.reject(new Error('postgres://user:hunter2@db/warden refused')) },
        { name: 'hung', ping: () => new Promise<void>(() => undefined) },
      ],
      { cacheMs: 60_000, probeTimeoutMs: 30, answerWithinMs: 5 },
    );
    // The first answer comes before the hung probe's timeout: what is known so far.
    const first = await checks.readiness();
    expect(first.ready).toBe(false);
    expect(first.checks.db).toBe('up');
    expect(first.checks.hung).toBe('unknown');
    // The round the first answer started ends when the hung probe times out.
    await checks.settled();
    const settled = await checks.readiness();
    expect(settled.checks).toEqual({ db: 'up', broken: 'down', hung: 'down' });
    expect(JSON.stringify(settled)).not.toContain('hunter2');
    await checks.readiness();
    expect(pings).toBe(1);
  });
});

describe('GET /healthz and /readyz', () => {
  let stack: Stack;
  let storeUp = true;
  // The gateway's clock, moved forward by the test instead of waiting for the readiness cache.
  let elapsedMs = 0;
  const counters = createMemoryCounterStore();
  let storePings = 0;
  beforeAll(async () => {
    stack = await startStack({
      now: () => Date.now() + elapsedMs,
      counters,
      health: [
        {
          name: 'store',
          ping: async () => {
            storePings++;
            if (!storeUp) throw new Error('down');
          },
        },
      ],
    });
  });
  afterAll(() => stack.close());

  it('answers liveness without touching dependencies', async () => {
    const res = await fetch(`${stack.gateway.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is ready when counters, store and policies are, answers from the cache, and reports a failed component', async () => {
    const res = await fetch(`${stack.gateway.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ready', checks: { counters: 'up', store: 'up', policies: 'up' } });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);

    // Probes are cached: twenty more readiness checks within the cache period ping nothing.
    const pings = storePings;
    for (let i = 0; i < 20; i++) expect((await fetch(`${stack.gateway.url}/readyz`)).status).toBe(200);
    expect(storePings).toBe(pings);

    const { samples } = await scrape(stack.gateway.url);
    expect(value(samples, 'warden_component_up', { component: 'counters' })).toBe(1);
    expect(value(samples, 'warden_component_up', { component: 'store' })).toBe(1);

    storeUp = false;
    // Past the ~1 s cache, the next probe sees the store down.
    elapsedMs += 1_100;
    await fetch(`${stack.gateway.url}/readyz`);
    const down = await fetch(`${stack.gateway.url}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not_ready', checks: { counters: 'up', store: 'down', policies: 'up' } });
    expect(value((await scrape(stack.gateway.url)).samples, 'warden_component_up', { component: 'store' })).toBe(0);
    storeUp = true;
  });
});
