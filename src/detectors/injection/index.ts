// Prompt-injection and jailbreak heuristics. Each phrase carries a weight; the scanner
// combines the distinct phrases found in one text with a noisy-OR, so one strong phrase
// ("ignore all previous instructions") decides alone while weak ones ("from now on",
// "stay in character") only count together. Every phrase also gets a ROT13 twin, so the
// same single pass catches ROT13-encoded instructions.
import { rot13Pattern } from '../text/decode.js';
import type { Recognizer } from '../types.js';

interface Phrase {
  readonly id: string;
  readonly entity: 'INSTRUCTION_OVERRIDE' | 'JAILBREAK' | 'SYSTEM_PROMPT_LEAK' | 'ROLE_INJECTION';
  readonly weight: number;
  readonly pattern: string;
  /** Case matters (e.g. `DAN` the persona versus Dan the person). */
  readonly caseSensitive?: boolean;
}

const r = String.raw;
const PREV = r`(?:previous|prior|above|earlier|preceding|former|initial|original|system|existing|default|old|given|current)`;
const RULES = r`(?:instructions?|directions?|prompts?|rules|guidelines|directives|programming|commands|context|constraints|restrictions|policies|policy|messages|conversation|responses|training|prompting)`;

const PHRASES: readonly Phrase[] = [
  { id: 'ignore-instructions', entity: 'INSTRUCTION_OVERRIDE', weight: 0.9, pattern: r`\b(?:ignore|disregard|forget|override|bypass|neglect)\s+(?:(?:all|any|every|the|your|my|these|those|of|everything|that|you|were|was|have|been|told|got|given)\s+){0,5}${PREV}?\s*${RULES}` },
  { id: 'instructions-previously', entity: 'INSTRUCTION_OVERRIDE', weight: 0.9, pattern: r`\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+|the\s+)?${RULES}\s+(?:(?:you\s+)?(?:were|have\s+been|got|received)\s+)?(?:previously|before|earlier|above|so\s+far)` },
  { id: 'forget-everything', entity: 'INSTRUCTION_OVERRIDE', weight: 0.8, pattern: r`\b(?:forget|ignore|disregard)\s+(?:about\s+)?(?:everything|anything|all)\s+(?:\S+\s+){0,8}?(?:before|above|previously|earlier|so\s+far|until\s+now|prior)\b` },
  { id: 'new-instructions', entity: 'INSTRUCTION_OVERRIDE', weight: 0.45, pattern: r`\b(?:new|updated|real|actual|revised|secret|hidden)\s+(?:system\s+)?instructions?\s*(?:are|:|follow)` },
  { id: 'admin-override', entity: 'INSTRUCTION_OVERRIDE', weight: 0.85, pattern: r`\b(?:admin|administrator|system|developer|root|sudo)\s+(?:override|mode\s+enabled|command|access\s+granted)` },
  { id: 'disable-safety', entity: 'JAILBREAK', weight: 0.8, pattern: r`\b(?:override|disable|turn\s+off|deactivate|remove|bypass|ignore|circumvent)\s+(?:all\s+|any\s+|the\s+|your\s+)*(?:safety|content|ethical|moral)?\s*(?:filters?|guardrails|moderation|safeguards|safety\s+(?:features|measures|protocols|guidelines)|censorship|restrictions|limitations)` },
  { id: 'do-anything-now', entity: 'JAILBREAK', weight: 0.9, pattern: r`\bdo\s+anything\s+now\b` },
  { id: 'dan-persona', entity: 'JAILBREAK', weight: 0.5, pattern: r`\b(?:DAN|STAN|DUDE|AIM|KEVIN|BetterDAN|AntiGPT|DevMode)\b`, caseSensitive: true },
  { id: 'developer-mode', entity: 'JAILBREAK', weight: 0.6, pattern: r`\b(?:developer|dev|god|debug|unrestricted|jailbreak|jailbroken|evil|chaos|opposite)\s+mode\b` },
  { id: 'jailbreak-word', entity: 'JAILBREAK', weight: 0.6, pattern: r`\bjail\s?(?:break|broken|breaking)\b` },
  { id: 'no-restrictions', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:no|without(?:\s+any)?|free\s+(?:of|from)(?:\s+any)?|zero|none\s+of\s+the)\s+(?:ethical\s+|moral\s+|legal\s+|content\s+|safety\s+)?(?:restrictions|limitations|limits|filters?|filtering|censorship|boundaries|bounds|guidelines|constraints|morals|ethics|rules)\b` },
  { id: 'not-bound', entity: 'JAILBREAK', weight: 0.5, pattern: r`\b(?:not|never|no\s+longer)\s+(?:be\s+)?(?:bound|restricted|limited|constrained|governed)\s+by\b` },
  { id: 'break-free', entity: 'JAILBREAK', weight: 0.5, pattern: r`\b(?:broken|break|breaking|freed?)\s+(?:free\s+)?(?:of|from)\s+(?:the\s+)?(?:typical\s+)?(?:confines|chains|shackles|restrictions|rules|limitations)` },
  { id: 'content-policy', entity: 'JAILBREAK', weight: 0.4, pattern: r`\b(?:openai|anthropic|content|usage|safety|ethical)(?:'s)?\s+(?:content\s+)?(?:polic(?:y|ies)|guidelines)\b` },
  { id: 'never-refuse', entity: 'JAILBREAK', weight: 0.5, pattern: r`\b(?:never|not|don't|do\s+not|cannot|can't|won't|will\s+not|must\s+not|shouldn't|should\s+not)\s+(?:ever\s+)?(?:refuse|decline|deny|reject|say\s+no|censor|warn|apologi[sz]e)\b` },
  { id: 'cannot-refuse', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:always|must|will)\s+(?:answer|respond|reply|comply|obey|provide)\s+(?:to\s+)?(?:any|every|all|anything|whatever|no\s+matter)` },
  { id: 'unfiltered', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:unfiltered|uncensored|unrestricted|unlimited|unethical|amoral|immoral|unhinged|lawless|boundless|irresponsible|no-holds-barred)\b` },
  { id: 'stay-in-character', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:stay|remain|staying|keep)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b` },
  { id: 'pretend-to-be', entity: 'ROLE_INJECTION', weight: 0.3, pattern: r`\b(?:pretend|imagine)\s+(?:to\s+be|you\s+are|that\s+you|you're)\b` },
  { id: 'act-as', entity: 'ROLE_INJECTION', weight: 0.25, pattern: r`\b(?:you\s+(?:will|are\s+going\s+to|must|shall)\s+(?:now\s+)?(?:act|behave|respond|roleplay|role-play|play)\s+as|(?:act|behave|respond)\s+as\s+(?:if\s+you\s+(?:were|are)|an?\s+(?:ai|chatbot|assistant|model|character)))\b` },
  { id: 'no-longer-assistant', entity: 'ROLE_INJECTION', weight: 0.55, pattern: r`\b(?:no\s+longer|not)\s+(?:act\s+as\s+)?(?:chatgpt|gpt|claude|an?\s+ai(?:\s+language\s+model)?|a\s+language\s+model|an?\s+assistant)\b` },
  { id: 'you-are-now', entity: 'ROLE_INJECTION', weight: 0.35, pattern: r`\byou\s+(?:are|'re|will\s+be)\s+now\b|\byou\s+now\s+(?:go\s+by|are|act)\b` },
  { id: 'named-mode', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:[A-Z][A-Z0-9]{2,}|[A-Z][a-z]+[A-Z]\w*)\s+Mode\b`, caseSensitive: true },
  { id: 'enter-mode', entity: 'JAILBREAK', weight: 0.45, pattern: r`\b(?:simulate|enable|activate|enter|stay\s+in|switch\s+to)\s+(?:\S+\s+){1,2}?mode\b` },
  { id: 'act-like', entity: 'ROLE_INJECTION', weight: 0.25, pattern: r`\b(?:act|behave|acts)\s+(?:like|as)\s+(?:an?\s+|the\s+)?\S+` },
  { id: 'play-a-game', entity: 'ROLE_INJECTION', weight: 0.3, pattern: r`\b(?:let's|lets|let\s+us|we\s+are\s+going\s+to|we\s+will)\s+play\s+(?:a|an|the)\s+(?:\S+\s+){0,2}?game\b` },
  { id: 'prompt-slot', entity: 'JAILBREAK', weight: 0.45, pattern: r`\[\s*(?:insert|your|put|input|prompt|enter|write)\b[^\]\n]{0,60}\]` },
  { id: 'from-now-on', entity: 'ROLE_INJECTION', weight: 0.25, pattern: r`\b(?:from\s+now\s+on|from\s+this\s+(?:point|moment)\s+(?:on|forward)|for\s+the\s+rest\s+of\s+(?:this|our)\s+conversation)\b` },
  { id: 'two-responses', entity: 'JAILBREAK', weight: 0.4, pattern: r`\b(?:two|2|both)\s+(?:different\s+|separate\s+|distinct\s+)?(?:responses|answers|replies|outputs|personas|paragraphs|entities|characters|ais|personalities|modes)\b` },
  { id: 'chatgpt-named', entity: 'JAILBREAK', weight: 0.2, pattern: r`\b(?:chatgpt|chat\s+gpt|gpt-?4|openai)\b` },
  { id: 'as-an-ai', entity: 'JAILBREAK', weight: 0.3, pattern: r`\bas\s+an\s+ai\s+(?:language\s+)?model\b` },
  { id: 'tokens-penalty', entity: 'JAILBREAK', weight: 0.5, pattern: r`\b(?:tokens?\s+(?:will\s+be\s+)?(?:deducted|removed|lost)|lose\s+(?:\d+\s+)?tokens|token\s+system)\b` },
  { id: 'harmful-content', entity: 'JAILBREAK', weight: 0.3, pattern: r`\b(?:illegal|unethical|harmful|offensive|explicit|dangerous|immoral|inappropriate)\s+(?:or\s+\w+\s+)?(?:content|activities|information|things|requests|questions|material)\b` },
  { id: 'ethics-bounds', entity: 'JAILBREAK', weight: 0.35, pattern: r`\b(?:moral|ethical|legal)\s+(?:or\s+ethical\s+)?(?:guidelines|principles|constraints|bounds|boundaries|considerations|standards|obligations)\b` },
  { id: 'roleplay', entity: 'ROLE_INJECTION', weight: 0.2, pattern: r`\b(?:role-?play|persona|in\s+character|fictional\s+(?:world|character|ai)|hypothetical\s+(?:ai|scenario|world))\b` },
  { id: 'simulate', entity: 'ROLE_INJECTION', weight: 0.3, pattern: r`\b(?:simulate|emulate|impersonate)\s+(?:an?|the)\s+(?:\w+\s+){0,3}?(?:ai|chatbot|model|assistant|mode|terminal|computer|persona|character)\b` },
  { id: 'opinions-profanity', entity: 'JAILBREAK', weight: 0.25, pattern: r`\b(?:profanity|swear\s+words|curse\s+words|cursing|swearing|offensive\s+language)\b` },
  { id: 'reveal-system-prompt', entity: 'SYSTEM_PROMPT_LEAK', weight: 0.8, pattern: r`\b(?:reveal|show|print|repeat|output|display|disclose|leak|dump|tell\s+me|what\s+(?:is|are|was|were))\s+(?:me\s+)?(?:your|the)\s+(?:full\s+|entire\s+|exact\s+|original\s+|hidden\s+|secret\s+|initial\s+)*(?:system\s+prompt|system\s+message|instructions|initial\s+prompt|hidden\s+prompt|pre-?prompt|prompt\s+above)\b` },
  { id: 'repeat-above', entity: 'SYSTEM_PROMPT_LEAK', weight: 0.6, pattern: r`\b(?:repeat|print|output)\s+(?:everything|all\s+(?:the\s+)?text|the\s+words)\s+(?:above|before)\b` },
  { id: 'chat-template-tokens', entity: 'INSTRUCTION_OVERRIDE', weight: 0.6, pattern: r`<\|im_start\|>|<\|im_end\|>|<\|system\|>|<\|endoftext\|>|\[/?INST\]|<<SYS>>|<\|start_header_id\|>` },
  { id: 'fake-system-header', entity: 'INSTRUCTION_OVERRIDE', weight: 0.4, pattern: r`(?:^|\n)\s*(?:#{2,}\s*|\[|\{)?\s*(?:system|admin|developer)\s*(?:message|prompt|instruction|note|override)?\s*(?:\]|\})?\s*:\s` },
];

function toRecognizer(p: Phrase): Recognizer {
  return {
    id: p.id,
    detector: 'prompt_injection',
    entity: p.entity,
    pattern: p.pattern,
    caseInsensitive: p.caseSensitive !== true,
    score: p.weight,
  };
}

function rot13Twin(rec: Recognizer): Recognizer | null {
  const pattern = rot13Pattern(rec.pattern);
  if (!pattern) return null;
  return { ...rec, id: `${rec.id}:rot13`, pattern, via: 'rot13' };
}

const BASE = PHRASES.map(toRecognizer);

export const INJECTION_RECOGNIZERS: readonly Recognizer[] = [
  ...BASE,
  ...BASE.map(rot13Twin).filter((r): r is Recognizer => r !== null),
];

export const INJECTION_ENTITIES: readonly string[] = [...new Set(PHRASES.map((p) => p.entity))];
