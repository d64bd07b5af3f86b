// Child process of bench/gateway.ts: the thinnest proxy Node can be, a TCP byte relay (one
// upstream socket per client socket, no HTTP parsing at all). Beside the bare undici proxy it
// splits a Node proxy hop's cost into the hop itself and the HTTP stack (node:http + undici).
// Usage: gateway-tcp-relay.ts <upstream origin>. Prints {"url"}.
import { connect, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { exitWithParent } from './gateway-processes.js';

exitWithParent();
const upstream = new URL(process.argv[2] as string);
const server = createServer((client) => {
  client.setNoDelay(true);
  const socket = connect({ host: upstream.hostname, port: Number(upstream.port) }, () => socket.setNoDelay(true));
  client.pipe(socket);
  socket.pipe(client);
  client.on('error', () => socket.destroy());
  socket.on('error', () => client.destroy());
  client.on('close', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
