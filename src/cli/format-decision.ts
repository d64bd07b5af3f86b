import { formatUsd } from '../engine/cost.js';
import type { Decision } from '../engine/types.js';

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text + ' '.repeat(width - text.length);
}

function windowText(claim: Decision['claims'][number]): string {
  switch (claim.window) {
    case 'day':
      return 'per UTC day';
    case 'month':
      return 'per UTC month';
    case 'sliding':
      return `per ${claim.windowSeconds ?? 60} s, sliding`;
    default:
      return 'in total';
  }
}

/** The decision and why, for people (`warden policy explain`). */
export function formatDecision(decision: Decision): string {
  const { estimate, modifications } = decision;
  const lines = [`decision: ${decision.action}${decision.code ? ` (${decision.code})` : ''}`];
  if (decision.policy) lines.push(`policy:   ${decision.policy}`);
  if (decision.rule) lines.push(`rule:     ${decision.rule}`);
  lines.push(`reason:   ${decision.reason}`);
  if (decision.retryAfterSeconds !== undefined) lines.push(`retry:    after ${decision.retryAfterSeconds} s`);
  const cost = estimate.costUsd === null ? 'cost unknown (no price for this model)' : `${formatUsd(estimate.costUsd)} worst case`;
  lines.push(
    `model:    ${estimate.model ?? '(none)'} — ${estimate.inputTokens}${estimate.tokensApproximate ? ' (approx.)' : ''} input tokens, up to ${estimate.maxOutputTokens} output, ${cost}`,
  );
  if (modifications.model) lines.push(`changed:  model ${modifications.model.from ?? '(none)'} -> ${modifications.model.to} by ${modifications.model.rule}`);
  for (const r of modifications.redactions) lines.push(`redacted: ${r.entity} x${r.count}`);
  for (const c of decision.claims) {
    const amount = c.metric === 'usd' ? formatUsd(c.amount) : `${c.amount} ${c.metric}`;
    const limit = c.metric === 'usd' ? formatUsd(c.limit) : `${c.limit} ${c.metric}`;
    lines.push(`reserve:  ${amount} against ${c.scope} (limit ${limit} ${windowText(c)}) — ${c.rule}`);
  }
  if (decision.outcomes.length) {
    lines.push('', 'rules evaluated, in order:');
    for (const o of decision.outcomes) {
      const outcome = o.shadow ? `${o.outcome} (monitor)` : o.outcome;
      lines.push(`  ${pad(o.stage, 9)}${pad(o.rule, 24)}${pad(outcome, 18)}${pad(o.policy, 28)}${o.durationUs.toFixed(1)} µs${o.reason ? `  ${o.reason}` : ''}`);
    }
  } else {
    lines.push('', 'no rule applies to this caller and environment');
  }
  lines.push('', `revision ${decision.revision}, decided in ${decision.durationUs.toFixed(1)} µs`);
  return `${lines.join('\n')}\n`;
}
