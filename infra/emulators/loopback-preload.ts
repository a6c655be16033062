/**
 * A module preloaded (`node --import`) into emulator child processes: servers
 * that listen on a port without a host (every interface) listen on
 * 127.0.0.1 instead. It is a `data:` URL so that it works the same from the
 * sources, from dist/ and from an installed package.
 */
const SOURCE = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  const isPort = typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first));
  if (isPort && typeof second !== 'string') args.splice(1, 0, '127.0.0.1');
  else if (typeof first === 'object' && first !== null && first.path === undefined && first.host === undefined) args[0] = { ...first, host: '127.0.0.1' };
  return listen.apply(this, args);
};
`;

/** The `--import` specifier of the loopback preload. */
export const LOOPBACK_PRELOAD = `data:text/javascript;base64,${Buffer.from(SOURCE).toString('base64')}`;
