/**
 * A module preloaded into the CLI's child processes (`NODE_OPTIONS=--import`)
 * in the e2e test: a TCP connection to any host but the loopback interface
 * fails (the socket is destroyed with an error) and says so on stderr, so a deploy that would reach a real cloud
 * endpoint (a token exchange, an upload, an API call) fails the test instead
 * of leaving the machine. A `data:` URL, so it needs no file.
 */
const SOURCE = `import net from 'node:net';
const connect = net.Socket.prototype.connect;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
net.Socket.prototype.connect = function loopbackOnly(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  const options = typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined || options.path === null) {
    const host = options.host ?? 'localhost';
    if (!LOOPBACK.has(host)) {
      const message = 'e2e: refused a connection to ' + host + ':' + options.port + ' (only 127.0.0.1 is allowed)';
      process.stderr.write(message + '\\n');
      process.nextTick(() => this.destroy(new Error(message)));
      return this;
    }
  }
  return connect.apply(this, args);
};
`;

/** `NODE_OPTIONS` that load the guard. */
export const LOOPBACK_ONLY_NODE_OPTIONS = `--import=data:text/javascript;base64,${Buffer.from(SOURCE).toString('base64')}`;
