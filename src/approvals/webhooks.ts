import { createHmac } from 'node:crypto';
import { request } from 'undici';
import { type ApprovalJson, approvalJson } from './approval-json.js';
import type { Approval } from './types.js';

export interface WebhookConfig {
  url: string;
  /** `slack`: an incoming-webhook message; `json`: the approval as JSON, signed when a secret is set. */
  format: 'slack' | 'json';
  /** HMAC-SHA256 key for `json` webhooks (`x-warden-signature`). */
  secret?: string;
}

export type ApprovalEvent = 'approval.requested' | 'approval.approved' | 'approval.rejected' | 'approval.expired' | 'approval.cancelled';

export interface NotifierLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
}

export interface WebhookNotifierOptions {
  /** Where approvers reach the admin API (the curl hints); the gateway's own URL by default. */
  publicUrl: () => string;
  /** Longest one delivery may take, connection to last byte; default 5 s. */
  timeoutMs?: number;
  logger?: NotifierLogger;
  /** Seconds since the epoch for the timestamp header; injected in tests. */
  nowSeconds?: () => number;
}

export const SIGNATURE_HEADER = 'x-warden-signature';
export const TIMESTAMP_HEADER = 'x-warden-timestamp';
export const EVENT_HEADER = 'x-warden-event';

/**
 * The signature of a JSON delivery: HMAC-SHA256 over `<timestamp>.<raw body>` (the
 * timestamp is signed so a captured delivery cannot be replayed later under a new one).
 */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/**
 * Sends approval events to the configured webhooks. Deliveries run off the request path,
 * each bounded in time; a failure is logged and never reaches the caller.
 */
export class WebhookNotifier {
  private readonly timeoutMs: number;
  private readonly nowSeconds: () => number;

  constructor(
    private readonly hooks: readonly WebhookConfig[],
    private readonly options: WebhookNotifierOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  }

  get enabled(): boolean {
    return this.hooks.length > 0;
  }

  /** Resolves when every delivery finished or gave up; never rejects. */
  notify(event: ApprovalEvent, approval: Approval): Promise<void> {
    if (!this.hooks.length) return Promise.resolve();
    const json = approvalJson(approval);
    return Promise.all(this.hooks.map((hook) => this.deliver(hook, event, json))).then(() => undefined);
  }

  private async deliver(hook: WebhookConfig, event: ApprovalEvent, approval: ApprovalJson): Promise<void> {
    const base = this.options.publicUrl().replace(/\/+$/, '');
    const body = JSON.stringify(hook.format === 'slack' ? slackMessage(event, approval, base) : jsonMessage(event, approval, base));
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'warden-approvals' };
    if (hook.format === 'json') {
      headers[EVENT_HEADER] = event;
      if (hook.secret) {
        const timestamp = String(this.nowSeconds());
        headers[TIMESTAMP_HEADER] = timestamp;
        headers[SIGNATURE_HEADER] = webhookSignature(hook.secret, timestamp, body);
      }
    }
    try {
      const res = await request(hook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      await res.body.dump();
      if (res.statusCode >= 300) this.options.logger?.warn({ webhook: redactUrl(hook.url), event, approvalId: approval.id, status: res.statusCode }, 'approval webhook refused the delivery');
    } catch (err) {
      this.options.logger?.warn({ webhook: redactUrl(hook.url), event, approvalId: approval.id, err: (err as Error).message }, 'approval webhook delivery failed');
    }
  }
}

/** Slack webhook URLs carry their secret in the path: log only the origin. */
function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid url';
  }
}

function actionUrls(base: string, id: string): { approve: string; reject: string } {
  const root = `${base}/api/v1/approvals/${encodeURIComponent(id)}`;
  return { approve: `${root}/approve`, reject: `${root}/reject` };
}

function jsonMessage(event: ApprovalEvent, approval: ApprovalJson, base: string): Record<string, unknown> {
  const urls = actionUrls(base, approval.id);
  return { event, approval, approve_url: urls.approve, reject_url: urls.reject };
}

function money(usd: number | null): string {
  if (usd === null) return 'unknown cost';
  return usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toPrecision(2)}`;
}

function who(approval: ApprovalJson): string {
  const { requester } = approval;
  const parts = [requester.org, requester.team].filter(Boolean).join('/');
  return requester.user ? `${requester.user} (${parts})` : parts;
}

/** Slack Block Kit: a summary with the approve/reject commands to paste. */
function slackMessage(event: ApprovalEvent, approval: ApprovalJson, base: string): Record<string, unknown> {
  const model = approval.model ?? 'unknown model';
  if (event !== 'approval.requested') {
    const verb = event.slice('approval.'.length);
    const text = `Warden approval ${approval.id} ${verb}${approval.decided_by ? ` by ${approval.decided_by}` : ''}: ${model}, ${money(approval.estimated_cost_usd)}, ${who(approval)}`;
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const urls = actionUrls(base, approval.id);
  const auth = '-H "Authorization: Bearer $WARDEN_ADMIN_TOKEN"';
  const text = `Warden: approval needed for ${model} (${money(approval.estimated_cost_usd)}) requested by ${who(approval)}: ${approval.id}`;
  return {
    text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: 'LLM call waiting for approval' } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Model*\n${model}` },
          { type: 'mrkdwn', text: `*Estimated cost*\n${money(approval.estimated_cost_usd)}` },
          { type: 'mrkdwn', text: `*Requester*\n${who(approval)}` },
          { type: 'mrkdwn', text: `*Rule*\n${approval.policy ?? '-'} / ${approval.rule ?? '-'}` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*Reason*: ${approval.reason}` } },
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*Approve*\n\`\`\`curl -X POST ${auth} ${urls.approve}\`\`\`\n*Reject*\n\`\`\`curl -X POST ${auth} -H "content-type: application/json" -d '{"reason":"..."}' ${urls.reject}\`\`\``,
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `${approval.id} · request ${approval.request_id} · expires ${approval.expires_at}` }] },
    ],
  };
}
