// Exfiltration: markdown images and links (and HTML images) whose URL carries data to a
// host outside the allowlist, and instructions to send the conversation somewhere. An
// image is fetched by the client without a click, so it scores higher than a link.
import type { MatchInfo, Recognizer } from '../types.js';

const r = String.raw;

/** True when `host` is one of `allowed` or a subdomain of one. */
export function hostAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase();
  return allowed.some((a) => {
    const d = a.toLowerCase().replace(/^\*\./, '');
    return h === d || h.endsWith(`.${d}`);
  });
}

/** How strongly a URL looks like it carries data: 0 none, 1 some, 2 clearly. */
export function dataLoad(url: string): number {
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  const query = q >= 0 ? url.slice(q + 1) : '';
  // Template slots the model is asked to fill: {data}, [SECRET], $CONVERSATION, %7B...%7D.
  if (/\{[^}]*\}|\[[^\]]*\]|%7B|%5B|\$[A-Z_]{3,}|<[^>]+>/i.test(url)) return 2;
  const longSegment = /\/[A-Za-z0-9+/=_-]{32,}(?:\/|$)/.test(path.replace(/^https?:\/\/[^/]+/, ''));
  const longValue = /=[^&]{24,}/.test(query);
  if (longSegment || longValue) return 2;
  return query.length > 0 ? 1 : 0;
}

function urlHost(url: string): string | null {
  const m = /^https?:\/\/(?:[^/@\s]*@)?([^/:?#\s]+)/i.exec(url);
  return m ? (m[1] as string) : null;
}

export function exfiltrationRecognizers(allowedHosts: readonly string[]): Recognizer[] {
  const outside = (url: string): boolean => {
    const host = urlHost(url);
    return host !== null && !hostAllowed(host, allowedHosts);
  };
  const image = (m: MatchInfo): boolean | number => {
    if (!outside(m.value)) return false;
    const load = dataLoad(m.value);
    return load === 0 ? false : load === 2 ? 0.9 : 0.7;
  };
  const link = (m: MatchInfo): boolean | number => {
    const bang = m.text.lastIndexOf('[', m.start);
    if (bang > 0 && m.text[bang - 1] === '!') return false; // images are scored above
    if (!outside(m.value)) return false;
    return dataLoad(m.value) === 2 ? 0.7 : false;
  };
  return [
    {
      id: 'markdown-image',
      detector: 'exfiltration',
      entity: 'MARKDOWN_IMAGE_EXFILTRATION',
      pattern: r`!\[[^\]\n]{0,300}\]\(\s*<?(https?://[^\s)>]+)`,
      group: 1,
      score: 0.8,
      validate: image,
    },
    {
      id: 'markdown-image-reference',
      detector: 'exfiltration',
      entity: 'MARKDOWN_IMAGE_EXFILTRATION',
      pattern: r`(?:^|\n)[ \t]{0,3}\[[^\]\n]{1,100}\]:\s*<?(https?://\S+)`,
      group: 1,
      score: 0.8,
      validate: image,
    },
    {
      id: 'html-image',
      detector: 'exfiltration',
      entity: 'HTML_IMAGE_EXFILTRATION',
      pattern: r`<img\b[^>]{0,300}?\bsrc\s*=\s*["']?(https?://[^\s"'>]+)`,
      caseInsensitive: true,
      group: 1,
      score: 0.8,
      validate: image,
    },
    {
      id: 'markdown-link',
      detector: 'exfiltration',
      entity: 'MARKDOWN_LINK_EXFILTRATION',
      pattern: r`\[[^\]\n]{0,300}\]\(\s*<?(https?://[^\s)>]+)`,
      group: 1,
      score: 0.7,
      validate: link,
    },
    {
      id: 'send-conversation',
      detector: 'exfiltration',
      entity: 'EXFILTRATION_INSTRUCTION',
      pattern: r`\b(?:send|forward|post|upload|transmit|leak|exfiltrate|email|e-mail|submit|append|attach|copy|paste|encode)\s+(?:\S+\s+){0,5}?(?:conversation|chat\s+(?:history|log|transcript)|previous\s+messages|message\s+history|system\s+prompt|prompt|context\s+window|all\s+(?:the\s+)?(?:data|messages|information|files)|(?:the\s+)?user(?:'s)?\s+(?:data|information|details|messages|emails|files|password)|api\s+keys?|passwords?|credentials|secrets|tokens)\s+(?:\S+\s+){0,4}?(?:to|into|in|via|at|as\s+a\s+parameter\s+(?:to|of))\s+(?:https?://|www\.|\S+@\S+\.\w+|(?:the|this|that|my|our|a)\s+(?:url|link|address|endpoint|server|webhook|website|domain|image\s+url|query\s+string))`,
      caseInsensitive: true,
      score: 0.8,
    },
  ];
}

export const EXFILTRATION_ENTITIES: readonly string[] = [
  'MARKDOWN_IMAGE_EXFILTRATION',
  'HTML_IMAGE_EXFILTRATION',
  'MARKDOWN_LINK_EXFILTRATION',
  'EXFILTRATION_INSTRUCTION',
];
