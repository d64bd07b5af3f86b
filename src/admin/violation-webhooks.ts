// Delivers violations (the alerts feed) to the configured webhooks, the way approvals are
// delivered: JSON signed with the same HMAC scheme, or a Slack message. Deliveries run off
// the request path, bounded in time; a failure is logged, never returned to the sender.
import { request } from 'undici';
import { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookConfig, webhookSignature } from '../approvals/webhooks.js';
import type { Violation } from '../store/store.js';

export interface ViolationNotifier {
  notify(violations: readonly Violation[]): Promise<void>;
}

export function createViolationNotifier(hooks: readonly WebhookConfig[], logger?: { warn(obj: Record<string, unknown>, msg?: string): void }, timeoutMs = 5_000): ViolationNotifier {
  async function deliver(hook: WebhookConfig, violation: Violation): Promise<void> {
    const body = JSON.stringify(
      hook.format === 'slack'
        ? { text: `Warden policy violation (${violation.severity}) in ${violation.org}: ${violation.policy}: ${violation.reason}` }
        : { event: 'violation.created', violation },
    );
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'warden-violations' };
    if (hook.format === 'json') {
      headers[EVENT_HEADER] = 'violation.created';
      if (hook.secret) {
        const timestamp = String(Math.floor(Date.now() / 1000));
        headers[TIMESTAMP_HEADER] = timestamp;
        headers[SIGNATURE_HEADER] = webhookSignature(hook.secret, timestamp, body);
      }
    }
    try {
      const res = await request(hook.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await res.body.dump();
      if (res.statusCode >= 300) logger?.warn({ violationId: violation.id, status: res.statusCode }, 'violation webhook refused the delivery');
    } catch (err) {
      logger?.warn({ violationId: violation.id, err: (err as Error).message }, 'violation webhook delivery failed');
    }
  }
  return {
    async notify(violations) {
      if (!hooks.length || !violations.length) return;
      await Promise.all(violations.flatMap((v) => hooks.map((hook) => deliver(hook, v))));
    },
  };
}
