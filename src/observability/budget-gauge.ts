import { Gauge, type Registry } from 'prom-client';
import { storeClaim } from '../budgets/counter-keys.js';
import type { CounterStore } from '../counters/counter-store.js';
import { microsToUsd } from '../counters/units.js';
import type { CounterClaim, Decision } from '../engine/types.js';

/** Scopes named in config; session, mission and end-user scopes come from requests and stay out of labels. */
const EXPORTED_SCOPES = /^(org|team|key):/;
/** Budget counters followed at most; the first ones seen win. */
const MAX_TRACKED = 1_000;

/**
 * `warden_budget_remaining_usd`: USD left in each org, team and key budget the policies
 * set, read from the counter store at scrape time (settled spend plus live reservations),
 * so every replica sharing a Redis store reports the same figure.
 */
export class BudgetGauge {
  private readonly tracked = new Map<string, CounterClaim>();

  constructor(registry: Registry, counters: CounterStore, now: () => number) {
    const tracked = this.tracked;
    new Gauge({
      name: 'warden_budget_remaining_usd',
      help: 'USD left in an org, team or key budget in its current window (limit minus settled and reserved spend).',
      labelNames: ['scope', 'window', 'policy', 'rule'],
      registers: [registry],
      async collect() {
        this.reset();
        if (!tracked.size) return;
        const at = now();
        const claims = [...tracked.values()];
        const stored = claims.map((claim) => storeClaim(claim, at));
        let used: number[];
        try {
          used = await counters.usage(stored.map((s) => s.key), at);
        } catch {
          // The store is down: `warden_component_up{component="counters"}` says so; no stale figures.
          return;
        }
        claims.forEach((claim, i) => {
          const remaining = Math.max(0, (stored[i]?.limit ?? 0) - (used[i] ?? 0));
          this.set({ scope: claim.scope, window: claim.window, policy: claim.policy, rule: claim.rule }, microsToUsd(remaining));
        });
      },
    });
  }

  /** Follows the USD budgets a decision claimed (the latest limit of each counter wins). */
  track(decision: Decision): void {
    for (const claim of decision.claims) {
      if (claim.metric !== 'usd' || claim.kind === 'forecast' || !EXPORTED_SCOPES.test(claim.scope)) continue;
      const id = `${claim.scope}|${claim.window}|${claim.windowSeconds ?? ''}|${claim.policy}|${claim.rule}`;
      if (this.tracked.has(id) || this.tracked.size < MAX_TRACKED) this.tracked.set(id, claim);
    }
  }
}
