import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GatewayHandler } from './handler.js';
import type { Gateway, GatewayOptions } from './types.js';

/** How long close() waits for requests in flight before cutting their connections (`drainMs`). */
const CLOSE_GRACE_MS = 5_000;

/** Starts the gateway on `host:port` (default 127.0.0.1, port 0 = a free port). */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const handler = new GatewayHandler(options);
  const server = createServer({ requestTimeout: 120_000, headersTimeout: 30_000, keepAliveTimeout: 5_000 }, handler.handle);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  handler.approvals?.setListeningUrl(`http://${shownHost}:${port}`);
  return {
    url: `http://${shownHost}:${port}`,
    port,
    approvals: handler.approvals,
    async close() {
      // Drain: refuse new connections, answer held approvals 503 (no human decides within a
      // drain), let calls in flight finish, and drop keep-alive sockets as they fall idle.
      handler.observability.drain();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await handler.approvals?.close();
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const drainMs = options.drainMs ?? CLOSE_GRACE_MS;
      const deadline = performance.now() + drainMs;
      const timer = setTimeout(() => server.closeAllConnections(), drainMs);
      await closed;
      clearInterval(sweep);
      clearTimeout(timer);
      // A closed connection is not a finished call: its audit append and settlement may still run.
      await handler.observability.idle(deadline - performance.now() + 1_000);
      await handler.close();
    },
  };
}
