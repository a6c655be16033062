/** Ports on 127.0.0.1: a free one to give a child server, and whether one answers yet. */
import { once } from 'node:events';
import { connect, createServer } from 'node:net';

/** The only host the emulators listen on. */
export const LOOPBACK_HOST = '127.0.0.1';

/** A port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, LOOPBACK_HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('Expected a TCP address from a server listening on 127.0.0.1');
  return address.port;
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK_HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
