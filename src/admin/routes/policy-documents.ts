// Named, versioned policy documents (the seed 002 shape plus scope, mode, enabled).
// Every save is validated by the engine first and is a new version; a delete is a
// tombstone version; rollback copies an old version forward.
import { compileDocuments } from '../../engine/compile.js';
import { PolicyValidationError } from '../../engine/errors.js';
import { dryRun } from '../../policies-live/dry-run.js';
import { isTombstone, storedDocumentForOrg, tombstone } from '../../policies-live/stored-documents.js';
import type { PolicySet } from '../../engine/policy-set.js';
import type { PolicyDocumentVersion } from '../../store/store.js';
import { AdminError, badInput, notFound } from '../admin-error.js';
import { onlyFields } from '../fields.js';
import { readJsonObject } from '../http-io.js';
import { jsonDiff } from '../json-diff.js';
import { type RouteContext, type RouteDef, orgOf, principalOf } from '../route.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;
const RESERVED = new Set(['validate', 'dry-run']);
const MAX_DRY_RUN_DAYS = 90;

function versionJson(v: PolicyDocumentVersion): Record<string, unknown> {
  const deleted = isTombstone(v.document);
  return { name: v.name, version: v.version, document: deleted ? null : v.document, deleted, author: v.author, rolled_back_from: v.rolled_back_from, created_at: v.created_at };
}

function checkName(name: string): void {
  if (!NAME.test(name) || RESERVED.has(name)) throw badInput('name', 'a policy document name is 1-200 letters, digits, _ . - (not "validate" or "dry-run")');
}

/** Validates a document for the org; returns it with `policy_name` filled in. Throws 400 naming the first issue's path. */
export function checkedDocument(org: string, name: string | undefined, input: unknown, prefix = ''): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw badInput(prefix || 'body', 'a policy document is a JSON object with policy_name and rules');
  const doc = { ...(input as Record<string, unknown>) };
  if (name !== undefined) {
    for (const field of ['policy_name', 'name'] as const) {
      if (doc[field] !== undefined && doc[field] !== name) throw badInput(`${prefix}${field}`, `${field} "${String(doc[field])}" differs from the name in the path (${name})`);
    }
    if (doc.policy_name === undefined && doc.name === undefined) doc.policy_name = name;
  }
  const scope = doc.scope;
  if (typeof scope === 'object' && scope !== null && 'org' in scope && (scope as Record<string, unknown>).org !== org) {
    throw badInput(`${prefix}scope.org`, 'scope.org must be your own organization (or left out)');
  }
  try {
    compileDocuments([storedDocumentForOrg(org, doc)]);
  } catch (err) {
    if (err instanceof PolicyValidationError) {
      const issues = err.issues.map((i) => ({ path: i.path.replace(/^\[0\]\.?/, ''), message: i.message }));
      const first = issues[0] as { path: string; message: string };
      throw badInput(`${prefix}${first.path}` || prefix || 'body', `invalid policy: ${first.path || '(document)'}: ${first.message}`, { issues });
    }
    throw err;
  }
  return doc;
}

/** The org's set with this document in place; a conflict with the rest of the set is a 400. */
async function candidateSet(ctx: RouteContext, org: string, name: string, document: unknown): Promise<PolicySet> {
  try {
    return await ctx.deps.registry.compileCandidate(org, name, document);
  } catch (err) {
    if (err instanceof PolicyValidationError) {
      const issues = err.issues.map((i) => ({ path: i.path, message: i.message }));
      throw badInput('policy_name', `the document conflicts with the organization's other policies: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
    }
    throw err;
  }
}

async function current(ctx: RouteContext): Promise<PolicyDocumentVersion> {
  const name = ctx.params.name as string;
  const found = await ctx.deps.store.getPolicyDocument(orgOf(ctx), name);
  if (!found || isTombstone(found.document)) throw notFound(`no policy document ${name}`);
  return found;
}

function versionParam(ctx: RouteContext, field: string): number | undefined {
  const text = ctx.query.get(field);
  if (text === null) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw badInput(field, `${field} must be a version number (1, 2, ...)`);
  return n;
}

export const policyDocumentRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/api/v1/policy-documents',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const docs = await ctx.deps.store.listPolicyDocuments(orgOf(ctx));
      return { status: 200, body: { data: docs.filter((d) => !isTombstone(d.document)).map(versionJson) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/policy-documents/validate',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      const wrapped = 'document' in body && Object.keys(body).length === 1;
      try {
        checkedDocument(orgOf(ctx), undefined, wrapped ? body.document : body, wrapped ? 'document.' : '');
      } catch (err) {
        if (err instanceof AdminError && err.status === 400) {
          const issues = (err.detail?.issues as { path: string; message: string }[] | undefined) ?? [{ path: err.field ?? '', message: err.message }];
          return { status: 200, body: { valid: false, errors: issues } };
        }
        throw err;
      }
      return { status: 200, body: { valid: true, errors: [] } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/policy-documents/dry-run',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['document', 'days', 'limit']);
      const org = orgOf(ctx);
      const document = checkedDocument(org, undefined, body.document, 'document.');
      const days = body.days ?? 7;
      if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DRY_RUN_DAYS) throw badInput('days', `days must be an integer from 1 to ${MAX_DRY_RUN_DAYS}`);
      const limit = body.limit ?? 10_000;
      if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > 100_000) throw badInput('limit', 'limit must be an integer from 1 to 100000');
      const set = await candidateSet(ctx, org, String(document.policy_name ?? document.name), document);
      const report = await dryRun({ store: ctx.deps.store, org, set, days, limit, now: ctx.deps.now() });
      return { status: 200, body: report };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/policy-documents/:name',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const version = versionParam(ctx, 'version');
      if (version === undefined) return { status: 200, body: versionJson(await current(ctx)) };
      const found = await ctx.deps.store.getPolicyDocument(orgOf(ctx), ctx.params.name as string, version);
      if (!found) throw notFound(`no version ${version} of policy document ${ctx.params.name}`);
      return { status: 200, body: versionJson(found) };
    },
  },
  {
    method: 'PUT',
    path: '/api/v1/policy-documents/:name',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const name = ctx.params.name as string;
      checkName(name);
      const org = orgOf(ctx);
      const document = checkedDocument(org, name, await readJsonObject(ctx.req));
      await candidateSet(ctx, org, name, document);
      const saved = await ctx.deps.store.savePolicyDocument(org, name, document, principalOf(ctx).tokenId);
      await ctx.deps.registry.changed(org);
      return { status: 200, body: versionJson(saved) };
    },
  },
  {
    method: 'DELETE',
    path: '/api/v1/policy-documents/:name',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const existing = await current(ctx);
      const saved = await ctx.deps.store.savePolicyDocument(existing.org, existing.name, tombstone(), principalOf(ctx).tokenId);
      await ctx.deps.registry.changed(existing.org);
      return { status: 200, body: versionJson(saved) };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/policy-documents/:name/versions',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const versions = await ctx.deps.store.listPolicyDocumentVersions(orgOf(ctx), ctx.params.name as string);
      if (!versions.length) throw notFound(`no policy document ${ctx.params.name}`);
      return { status: 200, body: { data: versions.map(versionJson) } };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/policy-documents/:name/diff',
    auth: { by: 'admin', access: 'read' },
    async handle(ctx) {
      const org = orgOf(ctx);
      const name = ctx.params.name as string;
      const from = versionParam(ctx, 'from');
      if (from === undefined) throw badInput('from', 'from is required: the version to compare from');
      const latest = await ctx.deps.store.getPolicyDocument(org, name);
      if (!latest) throw notFound(`no policy document ${name}`);
      const to = versionParam(ctx, 'to') ?? latest.version;
      const [a, b] = await Promise.all([ctx.deps.store.getPolicyDocument(org, name, from), ctx.deps.store.getPolicyDocument(org, name, to)]);
      if (!a) throw badInput('from', `policy document ${name} has no version ${from}`);
      if (!b) throw badInput('to', `policy document ${name} has no version ${to}`);
      const doc = (v: PolicyDocumentVersion) => (isTombstone(v.document) ? null : v.document);
      return { status: 200, body: { name, from, to, changes: jsonDiff(doc(a), doc(b)) } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/policy-documents/:name/rollback',
    auth: { by: 'admin', access: 'write' },
    async handle(ctx) {
      const org = orgOf(ctx);
      const name = ctx.params.name as string;
      const body = await readJsonObject(ctx.req);
      onlyFields(body, ['version']);
      const version = body.version;
      if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw badInput('version', 'version must be a version number (1, 2, ...)');
      if (!(await ctx.deps.store.getPolicyDocument(org, name))) throw notFound(`no policy document ${name}`);
      const target = await ctx.deps.store.getPolicyDocument(org, name, version);
      if (!target) throw badInput('version', `policy document ${name} has no version ${version}`);
      if (isTombstone(target.document)) throw badInput('version', `version ${version} is a deletion; roll back to a version with content`);
      await candidateSet(ctx, org, name, target.document);
      const saved = await ctx.deps.store.rollbackPolicyDocument(org, name, version, principalOf(ctx).tokenId);
      if (!saved) throw badInput('version', `policy document ${name} has no version ${version}`);
      await ctx.deps.registry.changed(org);
      return { status: 200, body: versionJson(saved) };
    },
  },
];
