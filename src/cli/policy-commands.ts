import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { decisionRecord } from '../engine/decision-record.js';
import { type EngineOptions, loadPolicyFile } from '../engine/engine.js';
import { PolicyValidationError } from '../engine/errors.js';
import { policyJsonSchema } from '../engine/json-schema.js';
import type { LlmRequest, Tenant } from '../engine/types.js';
import { detectRoute, requestParsers } from '../providers/parse-request.js';
import { InvalidRequestBodyError } from '../providers/request-shape.js';
import { formatDecision } from './format-decision.js';
import { type CliIo, UsageError } from './io.js';

export const POLICY_USAGE = `Usage:
  warden policy validate FILE...          check policy files; every error with its path
  warden policy schema                    print the JSON Schema of a policy document
  warden policy explain FILE --request REQ.json [options]
                                          decide a saved OpenAI or Anthropic request body
    --environment ENV  --org ORG  --team TEAM  --user USER  --role ROLE
    --key-id ID  --key-prefix PREFIX  --session ID  --mission ID
    --labels '{"plan":"free"}'  --route openai.chat|openai.responses|openai.embeddings|openai.completions|anthropic.messages
    --unknown-price block|allow  --json (print the decision record as JSON)
`;

export async function policyCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'validate':
      return validate(rest, io);
    case 'schema':
      io.out(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
      return 0;
    case 'explain':
      return explain(rest, io);
    default:
      throw new UsageError(sub ? `unknown policy command "${sub}"` : 'missing policy command');
  }
}

function reportInvalid(err: unknown, file: string, io: CliIo): number {
  if (err instanceof PolicyValidationError) {
    for (const issue of err.issues) io.err(`${file}: ${issue.path ? `${issue.path}: ` : ''}${issue.message}\n`);
    io.err(`${file}: invalid (${err.issues.length} error${err.issues.length === 1 ? '' : 's'})\n`);
    return 1;
  }
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
    io.err(`${file}: no such file\n`);
    return 1;
  }
  throw err;
}

function validate(files: string[], io: CliIo): number {
  if (!files.length) throw new UsageError('validate needs at least one FILE');
  let failed = 0;
  for (const file of files) {
    try {
      const set = loadPolicyFile(file);
      io.out(`${file}: ok (${set.policies.length} polic${set.policies.length === 1 ? 'y' : 'ies'}, ${set.policies.reduce((n, p) => n + p.rules.length, 0)} rules)\n`);
    } catch (err) {
      failed += reportInvalid(err, file, io);
    }
  }
  return failed ? 1 : 0;
}

function explain(args: string[], io: CliIo): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      request: { type: 'string' },
      environment: { type: 'string' },
      org: { type: 'string' },
      team: { type: 'string' },
      user: { type: 'string' },
      role: { type: 'string' },
      'key-prefix': { type: 'string' },
      'key-id': { type: 'string' },
      session: { type: 'string' },
      mission: { type: 'string' },
      labels: { type: 'string' },
      route: { type: 'string' },
      'unknown-price': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('explain needs exactly one policy FILE');
  if (!values.request) throw new UsageError('explain needs --request REQ.json');
  const unknownPrice = values['unknown-price'];
  if (unknownPrice !== undefined && unknownPrice !== 'block' && unknownPrice !== 'allow') throw new UsageError('--unknown-price takes block or allow');

  const options: EngineOptions = unknownPrice ? { unknownPrice } : {};
  let set: ReturnType<typeof loadPolicyFile>;
  try {
    set = loadPolicyFile(file, options);
  } catch (err) {
    return reportInvalid(err, file, io);
  }

  let body: unknown;
  try {
    body = JSON.parse(readFileSync(values.request, 'utf8'));
  } catch (err) {
    io.err(`${values.request}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON: ${(err as Error).message}`}\n`);
    return 1;
  }
  const route = values.route ?? detectRoute(body);
  const parse = requestParsers[route];
  if (!parse) throw new UsageError(`unknown --route "${route}"; expected one of ${Object.keys(requestParsers).join(', ')}`);

  let labels: Record<string, string> = {};
  if (values.labels) {
    try {
      const parsed: unknown = JSON.parse(values.labels);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed).some((v) => typeof v !== 'string')) throw new Error('expected an object of string values');
      labels = parsed as Record<string, string>;
    } catch (err) {
      throw new UsageError(`--labels: ${(err as Error).message}`);
    }
  }

  let request: LlmRequest;
  try {
    request = { ...parse(body), requestId: 'req_explain', labels };
    if (values.session) request.sessionId = values.session;
    if (values.mission) request.missionId = values.mission;
  } catch (err) {
    if (err instanceof InvalidRequestBodyError) {
      io.err(`${values.request}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const tenant: Tenant = {
    org: values.org ?? 'default',
    team: values.team,
    user: values.user,
    role: values.role,
    environment: values.environment,
    keyPrefix: values['key-prefix']?.slice(0, 16),
    keyId: values['key-id'],
  };
  const decision = set.decide(request, tenant);
  io.out(values.json ? `${JSON.stringify(decisionRecord(decision, request.model), null, 2)}\n` : formatDecision(decision));
  return 0;
}
