// Child process of bench/gateway.ts: the mock upstream (OpenAI/Anthropic wire format).
// Prints {"url"} on its first stdout line.
import { startMockUpstream } from '../src/mock-upstream/index.js';
import { exitWithParent } from './gateway-processes.js';

exitWithParent();
const mock = await startMockUpstream();
// The mock records every request for tests; a benchmark sends hundreds of thousands, so the
// record is dropped often to keep its memory (and GC pauses) flat across the run.
setInterval(() => {
  mock.requests.length = 0;
}, 250).unref();
process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
