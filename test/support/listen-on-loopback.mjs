// Preloaded (node --import) into the Functions Framework child process: the
// framework listens on a port without a host, i.e. on every interface; this
// makes such servers listen on 127.0.0.1 only. Nothing else changes.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function listenOnLoopback(...args) {
  const [first, second] = args;
  const isPort = typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first));
  if (isPort && typeof second !== 'string') args.splice(1, 0, '127.0.0.1');
  else if (typeof first === 'object' && first !== null && first.path === undefined && first.host === undefined) args[0] = { ...first, host: '127.0.0.1' };
  return listen.apply(this, args);
};
