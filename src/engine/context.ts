import type { EvalContext } from './rule-kind.js';
import type { CostEstimate, LlmRequest, Message, Tenant } from './types.js';

/** What the engine needs from pricing; `src/pricing` provides the default. */
export interface PricingPort {
  price(provider: string | undefined, model: string): { inputPerMTok: number; outputPerMTok: number; source: 'override' | 'catalog' } | undefined;
  countTokens(text: string, model: string | undefined): { tokens: number; approximate: boolean };
  /**
   * Most tokens `countTokens` can return per UTF-8 byte (default 1.2: a BPE token is at
   * least one byte, and approximate counts add 20%). Lets rules decide from a cheap bound.
   */
  maxTokensPerByte?: number;
}

const DEFAULT_MAX_TOKENS_PER_BYTE = 1.2;

export interface ContextOptions {
  pricing: PricingPort;
  unknownPrice: 'block' | 'allow';
  defaultMaxOutputTokens: number;
}

/** Per-message framing tokens of chat formats (role markers, separators); OpenAI documents ~3-4. */
const MESSAGE_OVERHEAD_TOKENS = 4;
const REPLY_PRIMING_TOKENS = 3;

/** Collects every readable text of a message list (content parts and tool-call arguments). */
export function messageTexts(messages: readonly Message[]): { texts: string[]; skipped: number } {
  const texts: string[] = [];
  let skipped = 0;
  for (const message of messages) {
    if (typeof message.content === 'string') {
      if (message.content) texts.push(message.content);
    } else {
      for (const part of message.content) {
        if (part.type === 'text') texts.push(part.text);
        else skipped++;
      }
    }
    if (message.toolCalls) {
      for (const call of message.toolCalls) texts.push(call.arguments);
    }
  }
  return { texts, skipped };
}

/** The mutable working state of one decide() call, seen by rules through EvalContext. */
export class DecisionContext implements EvalContext {
  // Declared, not defined: the constructor assigns every field once, in this order (one
  // shape, no field initializer to run on each of the engine's calls).
  declare readonly request: LlmRequest;
  declare readonly tenant: Tenant;
  declare readonly now: number;
  declare private readonly options: ContextOptions;
  declare model: string | undefined;
  declare messages: readonly Message[];
  declare readonly unknownPrice: 'block' | 'allow';
  declare private cachedTexts: string[] | undefined;
  declare private cachedTokens: { tokens: number; approximate: boolean } | undefined;
  declare private cachedEstimate: CostEstimate | undefined;
  declare private quickBound: number | undefined;
  declare private byteBound: number | undefined;
  declare skippedParts: number;

  constructor(request: LlmRequest, tenant: Tenant, now: number, options: ContextOptions) {
    this.request = request;
    this.tenant = tenant;
    this.now = now;
    this.options = options;
    this.model = request.model;
    this.messages = request.messages;
    this.unknownPrice = options.unknownPrice;
    this.cachedTexts = undefined;
    this.cachedTokens = undefined;
    this.cachedEstimate = undefined;
    this.quickBound = undefined;
    this.byteBound = undefined;
    this.skippedParts = 0;
  }

  /** Called by the engine when a rule changed the model or the messages. */
  update(model: string | undefined, messages: readonly Message[] | undefined): void {
    if (model !== undefined && model !== this.model) {
      this.model = model;
      this.cachedEstimate = undefined;
    }
    if (messages) {
      this.messages = messages;
      this.cachedTexts = undefined;
      this.cachedTokens = undefined;
      this.cachedEstimate = undefined;
      this.quickBound = undefined;
      this.byteBound = undefined;
    }
  }

  texts(): readonly string[] {
    if (!this.cachedTexts) {
      const { texts, skipped } = messageTexts(this.messages);
      this.cachedTexts = texts;
      this.skippedParts = skipped;
    }
    return this.cachedTexts;
  }

  private tokens(): { tokens: number; approximate: boolean } {
    if (!this.cachedTokens) {
      const { pricing } = this.options;
      let tokens = REPLY_PRIMING_TOKENS + this.messages.length * MESSAGE_OVERHEAD_TOKENS;
      let approximate = false;
      for (const text of this.texts()) {
        const counted = pricing.countTokens(text, this.model);
        tokens += counted.tokens;
        approximate ||= counted.approximate;
      }
      if (this.request.tools?.length) {
        const counted = pricing.countTokens(JSON.stringify(this.request.tools), this.model);
        tokens += counted.tokens;
        approximate ||= counted.approximate;
      }
      this.cachedTokens = { tokens, approximate };
    }
    return this.cachedTokens;
  }

  inputTokens(): number {
    return this.tokens().tokens;
  }

  /**
   * An upper bound of `inputTokens()` from text lengths alone: exact tokenization costs tens
   * of microseconds per 2 KB, and most requests are nowhere near a ceiling or a cost limit.
   * The first bound counts 3 bytes per UTF-16 unit (no measuring at all); when it is above
   * `limit`, the texts' UTF-8 byte lengths give a tighter one.
   */
  inputTokensAtMost(limit?: number): number {
    if (this.cachedTokens) return this.cachedTokens.tokens;
    this.quickBound ??= this.boundFromBytes(false);
    if (limit === undefined || this.quickBound <= limit) return this.quickBound;
    this.byteBound ??= this.boundFromBytes(true);
    return this.byteBound;
  }

  private boundFromBytes(measure: boolean): number {
    let bytes = 0;
    for (const text of this.texts()) bytes += measure ? Buffer.byteLength(text, 'utf8') : text.length * 3;
    if (this.request.tools?.length) {
      const tools = JSON.stringify(this.request.tools);
      bytes += measure ? Buffer.byteLength(tools, 'utf8') : tools.length * 3;
    }
    const perByte = this.options.pricing.maxTokensPerByte ?? DEFAULT_MAX_TOKENS_PER_BYTE;
    return Math.ceil(bytes * perByte) + REPLY_PRIMING_TOKENS + this.messages.length * MESSAGE_OVERHEAD_TOKENS;
  }

  /**
   * An upper bound of the worst-case cost (null when the model has no known price); with
   * `limit`, as tight as the byte lengths allow when the first bound is above it.
   */
  costAtMost(limit?: number): number | null {
    if (this.cachedEstimate) return this.cachedEstimate.costUsd;
    const price = this.model ? this.options.pricing.price(this.request.provider, this.model) : undefined;
    if (!price) return null;
    const output = (this.request.maxOutputTokens ?? this.options.defaultMaxOutputTokens) * price.outputPerMTok;
    const quick = (this.inputTokensAtMost() * price.inputPerMTok + output) / 1e6;
    if (limit === undefined || quick <= limit) return quick;
    // A limit of 0 tokens asks for the tightest bound there is without tokenizing.
    return (this.inputTokensAtMost(0) * price.inputPerMTok + output) / 1e6;
  }

  estimate(model?: string): CostEstimate {
    if (model !== undefined && model !== this.model) return this.computeEstimate(model);
    this.cachedEstimate ??= this.computeEstimate(this.model);
    return this.cachedEstimate;
  }

  private computeEstimate(model: string | undefined): CostEstimate {
    const { tokens, approximate } = this.tokens();
    const maxOutputTokens = this.request.maxOutputTokens ?? this.options.defaultMaxOutputTokens;
    const price = model ? this.options.pricing.price(this.request.provider, model) : undefined;
    return {
      model,
      inputTokens: tokens,
      tokensApproximate: approximate,
      maxOutputTokens,
      costUsd: price ? (tokens * price.inputPerMTok + maxOutputTokens * price.outputPerMTok) / 1e6 : null,
      priceSource: price ? price.source : 'unknown',
    };
  }
}
