import { parseArgs } from 'node:util';
import { startMockUpstream } from '../mock-upstream/index.js';
import { type CliIo, UsageError } from './io.js';

/** Serves the mock OpenAI/Anthropic upstream for a demo without provider keys or network. */
export async function mockUpstreamCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: 'string' } } });
  const port = Number(values.port ?? 9999);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, got "${values.port}"`);
  const mock = await startMockUpstream({ port });
  io.out(
    [
      `Mock upstream on ${mock.url} (OpenAI and Anthropic wire formats, JSON and SSE; replies echo the last user message).`,
      'Point the gateway at it:',
      `  OPENAI_BASE_URL=${mock.url}/v1 OPENAI_API_KEY=mock ANTHROPIC_BASE_URL=${mock.url} ANTHROPIC_API_KEY=mock npm start`,
      '',
    ].join('\n'),
  );
  const stop = () => void mock.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}
