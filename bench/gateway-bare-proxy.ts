// Child process of bench/gateway.ts: the baseline the DESIGN throughput target is set
// against, a bare reverse proxy with an undici Pool and nothing else (no auth, no parsing,
// no policy). Usage: gateway-bare-proxy.ts <upstream origin>. Prints {"url"}.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';
import { exitWithParent } from './gateway-processes.js';

exitWithParent();
const upstream = new Pool(process.argv[2] as string, { connections: 256, keepAliveTimeout: 10_000 });
const server = createServer(async (req, res) => {
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const { statusCode, headers, body } = await upstream.request({
      path: req.url ?? '/',
      method: req.method === 'GET' ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
      body: chunks.length ? Buffer.concat(chunks) : null,
    });
    res.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') });
    await pipeline(body, res);
  } catch {
    if (!res.headersSent) res.writeHead(502).end();
    else res.destroy();
  }
});
server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
