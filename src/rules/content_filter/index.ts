import RE2 from 're2';
import { z } from 'zod';
import { TextCache } from '../../detectors/text/text-cache.js';
import { rewriteMessages } from '../../engine/messages.js';
import { defineRuleKind } from '../../engine/rule-kind.js';
import type { RuleResult } from '../../engine/types.js';

/** What `new RE2.Set(...)` makes (re2 names the type only inside its own namespace). */
type PatternSet = InstanceType<typeof RE2.Set>;

const patternList = z.array(z.string().min(1).max(2000)).max(5000);

interface Entry {
  /** What the decision names: the tenant's pattern or keyword, never the matched text. */
  label: string;
  regex: RE2;
}

/** RE2 refuses what cannot run in linear time; say so instead of leaving a bare parser message. */
function re2Hint(message: string): string {
  if (/invalid perl operator: \(\?<?[=!]/.test(message)) return ' (lookaround is not supported: patterns run in RE2, which guarantees linear time)';
  if (/invalid escape sequence: \\\d/.test(message)) return ' (backreferences are not supported: patterns run in RE2, which guarantees linear time)';
  return '';
}

/**
 * Which patterns of a rule's set hit a text, for texts seen recently: chat clients resend the
 * system prompt and the whole history on every call, and each text is then matched once per
 * rule. One cache for every content_filter rule, keyed by text, so memory is bounded by the
 * texts, not by the number of rules; a text remembers at most MAX_SETS_PER_TEXT rules' hits,
 * held weakly (a replaced policy's sets are not kept alive).
 */
const recentHits = new TextCache<{ bySet: WeakMap<PatternSet, readonly number[]>; sets: number }>();
const MAX_SETS_PER_TEXT = 64;

function hitsIn(set: PatternSet, text: string): readonly number[] {
  let entry = recentHits.get(text);
  const known = entry?.bySet.get(set);
  if (known) return known;
  const hits = set.match(text);
  if (!entry) recentHits.set(text, (entry = { bySet: new WeakMap(), sets: 0 }));
  if (entry.sets < MAX_SETS_PER_TEXT) {
    entry.bySet.set(set, hits);
    entry.sets++;
  }
  return hits;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Tenant-supplied banned patterns and keywords (seed 001 banned_patterns, seed 002 content
 * filter). Every pattern runs in RE2 (linear time): a tenant's pattern can never stall the
 * engine. All patterns are tested in one pass with RE2.Set; only on a hit are the matching
 * patterns run again to name them or redact.
 */
export const contentFilter = defineRuleKind({
  type: 'content_filter',
  stage: 'content',
  description: 'keywords and RE2 regexes over every message; block, redact or flag',
  fields: {
    patterns: patternList.optional().describe('RE2 regular expressions (seed 002)'),
    regexes: patternList.optional().describe('alias of patterns (seed 001 banned_patterns)'),
    keywords: patternList.optional().describe('literal words or phrases'),
    case_sensitive: z.boolean().optional().describe('default false: matching ignores case'),
    action: z.enum(['block', 'redact', 'flag']).optional().describe('block (default), redact or flag'),
    replacement: z.string().max(100).optional().describe('text that replaces a redacted match; default [REDACTED]'),
  },
  compile(config, env) {
    const flags = config.case_sensitive ? 'u' : 'iu';
    const entries: Entry[] = [];
    const sources: string[] = [];
    const add = (field: string, list: readonly string[] | undefined, literal: boolean) => {
      list?.forEach((text, i) => {
        const source = literal ? escapeRegex(text) : text;
        try {
          entries.push({ label: text, regex: new RE2(source, `g${flags}`) });
          sources.push(source);
        } catch (err) {
          env.issue([field, i], `invalid regex: ${(err as Error).message}${re2Hint((err as Error).message)}`);
        }
      });
    };
    add('patterns', config.patterns, false);
    add('regexes', config.regexes, false);
    add('keywords', config.keywords, true);
    if (!sources.length && !(config.patterns?.length || config.regexes?.length || config.keywords?.length)) {
      env.issue(['patterns'], 'give at least one of patterns, regexes or keywords');
    }
    if (!sources.length) return () => ({ outcome: 'pass' });
    const set = new RE2.Set(sources, flags);
    const action = config.action ?? 'block';
    const replacement = config.replacement ?? '[REDACTED]';

    return (ctx): RuleResult => {
      const hit = new Set<number>();
      for (const text of ctx.texts()) for (const i of hitsIn(set, text)) hit.add(i);
      if (!hit.size) return { outcome: 'pass' };
      const matched = [...hit].sort((a, b) => a - b).map((i) => entries[i] as Entry);
      const names = matched.map((e) => e.label).join(', ');
      if (action === 'block') return { outcome: 'block', code: 'content_blocked', reason: `Pattern matched: ${names}` };
      if (action === 'flag') return { outcome: 'flag', reason: `Pattern matched: ${names}` };
      const counts = new Map<string, number>();
      const messages = rewriteMessages(ctx.messages, (text) => {
        let out = text;
        for (const entry of matched) {
          out = out.replace(entry.regex, () => {
            counts.set(entry.label, (counts.get(entry.label) ?? 0) + 1);
            return replacement;
          });
        }
        return out;
      });
      const redactions = [...counts].map(([label, count]) => ({ entity: `pattern:${label}`, count }));
      return { outcome: 'modify', reason: `redacted ${redactions.reduce((n, r) => n + r.count, 0)} match(es) of: ${names}`, patch: { messages, redactions } };
    };
  },
});
