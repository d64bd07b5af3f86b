// The effective policy set of every org, compiled once per change and swapped live.
// effective(org) = config-file documents + the org's named policy documents + its seed-001
// policies + the default policy for the rule types none of those set. The gateway's hot
// path is one Map lookup (`policiesFor`); a request keeps the set it started with, so a
// swap never changes the rules under a request in flight.
import { defaultPolicy } from '../config/default-policy.js';
import type { PolicySet } from '../engine/policy-set.js';
import { compilePolicies, type EngineOptions } from '../engine/engine.js';
import type { Tenant } from '../engine/types.js';
import type { OrgPolicy, PolicyDocumentVersion, Store } from '../store/store.js';
import { seedPolicyDocument } from './seed-policies.js';
import { isTombstone, storedDocumentForOrg } from './stored-documents.js';

export type PolicySource = Pick<Store, 'listOrgs' | 'listOrgPolicies' | 'listPolicyDocuments'>;

export interface RegistryLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  /** Gets one line per org whose policies changed after startup (the org id only, never policy contents). */
  info?(obj: Record<string, unknown>, msg?: string): void;
}

/** Tells other processes that an org's policies changed (Postgres NOTIFY), and hears them. */
export interface PolicyChangeChannel {
  publish(org: string): Promise<void>;
  subscribe(listener: (org: string) => void): void;
  close(): Promise<void>;
}

export interface OrgPolicyRegistryOptions {
  store: PolicySource;
  /** Documents from the config file: they apply to every org their scope names. */
  baseDocuments: readonly unknown[];
  /** Pricing and unknown-price handling; `pricing` should be set so compiles share one catalog. */
  engine: EngineOptions;
  /** Whether the default policy fills in unset rule types (config `default_policy`). */
  defaultPolicy: boolean;
  source?: string;
  /**
   * How often to compare every org's policy versions with the database, in ms; default 500.
   * This is what carries a change made by another process within a second (SQLite has no
   * notifications; with Postgres the channel is faster and the poll is the safety net). 0 = off.
   */
  pollMs?: number;
  channel?: PolicyChangeChannel;
  logger?: RegistryLogger;
}

interface OrgState {
  fingerprint: string;
  set: PolicySet;
  documents: readonly unknown[];
}

function withDefaults(documents: readonly unknown[], enabled: boolean): unknown[] {
  const defaults = enabled ? defaultPolicy(documents) : undefined;
  return defaults ? [...documents, defaults] : [...documents];
}

function fingerprintOf(policies: readonly OrgPolicy[], documents: readonly PolicyDocumentVersion[]): string {
  const p = policies.map((x) => `${x.policy_type}@${x.updated_at}:${x.enabled ? 1 : 0}`).sort();
  const d = documents.map((x) => `${x.name}@${x.version}`).sort();
  return `${p.join(',')}|${d.join(',')}`;
}

export class OrgPolicyRegistry {
  readonly base: PolicySet;
  private readonly baseDocuments: readonly unknown[];
  private readonly orgs = new Map<string, OrgState>();
  /**
   * Reads are numbered; a read that started before the installed one is dropped, so a poll
   * that read the database just before a write can never undo the write's reload.
   */
  private nextRead = 0;
  private readonly installedRead = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private closed = false;
  /** Set once the startup load is done: changes after it are logged. */
  private following = false;

  private constructor(private readonly options: OrgPolicyRegistryOptions) {
    this.baseDocuments = withDefaults(options.baseDocuments, options.defaultPolicy);
    // Throws PolicyValidationError for a bad config file: the caller refuses to start.
    this.base = compilePolicies(this.baseDocuments, options.engine, options.source);
  }

  /** Compiles the config documents, loads every org's policies, and starts following changes. */
  static async open(options: OrgPolicyRegistryOptions): Promise<OrgPolicyRegistry> {
    const registry = new OrgPolicyRegistry(options);
    await registry.refreshAll();
    registry.following = true;
    options.channel?.subscribe((org) => {
      void registry.reload(org);
    });
    const pollMs = options.pollMs ?? 500;
    if (pollMs > 0) {
      registry.timer = setInterval(() => {
        registry.polling ??= registry.refreshAll().finally(() => (registry.polling = undefined));
      }, pollMs);
      registry.timer.unref();
    }
    return registry;
  }

  /** The hot path: the compiled set for the caller's org. */
  readonly policiesFor = (tenant: Pick<Tenant, 'org'>): PolicySet => this.orgs.get(tenant.org)?.set ?? this.base;

  /** The documents the org's set was compiled from (remote config for SDKs). */
  documentsFor(org: string): readonly unknown[] {
    return this.orgs.get(org)?.documents ?? this.baseDocuments;
  }

  /**
   * Re-reads one org after a change and swaps its set in; tells other processes when the
   * change was made here. Resolves once new requests see the change.
   */
  async changed(org: string): Promise<void> {
    await this.reload(org);
    await this.options.channel?.publish(org).catch((err: unknown) => this.options.logger?.warn({ org, err: (err as Error).message }, 'policy change notification failed'));
  }

  async reload(org: string, force = true): Promise<void> {
    if (this.closed) return;
    const { store } = this.options;
    const read = ++this.nextRead;
    try {
      const [policies, documents] = await Promise.all([store.listOrgPolicies(org), store.listPolicyDocuments(org)]);
      if ((this.installedRead.get(org) ?? 0) > read) return;
      const fingerprint = fingerprintOf(policies, documents);
      const current = this.orgs.get(org);
      if (!force && current?.fingerprint === fingerprint) return;
      this.installedRead.set(org, read);
      const installed = this.install(org, fingerprint, policies, documents);
      // One line per replica and change, once new requests see it (operators and tests await it).
      if (installed && this.following && current?.fingerprint !== fingerprint) this.options.logger?.info?.({ org }, 'org policies reloaded');
    } catch (err) {
      this.options.logger?.warn({ org, err: (err as Error).message }, 'could not reload policies; the previous set stays in force');
    }
  }

  /**
   * The org's effective set with document `name` replaced by `document` (or removed, with
   * null), compiled but not installed: checks a write against everything it joins, and
   * gives dry runs the set a change would produce. Throws PolicyValidationError.
   */
  async compileCandidate(org: string, name: string, document: unknown): Promise<PolicySet> {
    const { store } = this.options;
    const [policies, documents] = await Promise.all([store.listOrgPolicies(org), store.listPolicyDocuments(org)]);
    const own: unknown[] = documents.filter((d) => d.name !== name && !isTombstone(d.document)).map((d) => storedDocumentForOrg(org, d.document));
    if (document !== null) own.push(storedDocumentForOrg(org, document));
    const seed = seedPolicyDocument(org, policies);
    if (seed) own.push(seed);
    return compilePolicies(withDefaults([...this.options.baseDocuments, ...own], this.options.defaultPolicy), this.options.engine, `org ${org}`);
  }

  /** Compiles and swaps in the org's set; false when it does not compile and the previous set stays. */
  private install(org: string, fingerprint: string, policies: readonly OrgPolicy[], documents: readonly PolicyDocumentVersion[]): boolean {
    const own: unknown[] = documents.filter((d) => !isTombstone(d.document)).map((d) => storedDocumentForOrg(org, d.document));
    const seed = seedPolicyDocument(org, policies);
    if (seed) own.push(seed);
    if (!own.length) {
      this.orgs.set(org, { fingerprint, set: this.base, documents: this.baseDocuments });
      return true;
    }
    const all = withDefaults([...this.options.baseDocuments, ...own], this.options.defaultPolicy);
    try {
      this.orgs.set(org, { fingerprint, set: compilePolicies(all, this.options.engine, `org ${org}`), documents: all });
      return true;
    } catch (err) {
      // Writes are validated before they are saved, so this is a document saved by an older
      // Warden or by hand; keeping the last good set beats failing every request of the org.
      this.options.logger?.warn({ org, err: (err as Error).message }, 'stored policies do not compile; the previous set stays in force');
      if (!this.orgs.has(org)) this.orgs.set(org, { fingerprint, set: this.base, documents: this.baseDocuments });
      return false;
    }
  }

  private async refreshAll(): Promise<void> {
    if (this.closed) return;
    try {
      const orgs = await this.options.store.listOrgs();
      for (const org of orgs) await this.reload(org.id, false);
    } catch (err) {
      this.options.logger?.warn({ err: (err as Error).message }, 'could not poll policy versions');
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling;
    await this.options.channel?.close();
  }
}
