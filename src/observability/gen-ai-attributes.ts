// OpenTelemetry GenAI semantic conventions (gen_ai.*), the subset the gateway knows.

export const GEN_AI_SYSTEM = 'gen_ai.system';
export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/** `gen_ai.operation.name` per gateway route; routes absent here are not GenAI operations. */
const OPERATIONS: Readonly<Record<string, string>> = {
  'openai.chat': 'chat',
  'openai.responses': 'chat',
  'anthropic.messages': 'chat',
  'openai.embeddings': 'embeddings',
};

export function operationOf(route: string): string | undefined {
  return OPERATIONS[route];
}
