/**
 * What a failed request's network error says, the same way for every remote
 * adapter: the Node or undici code of the fault (found on the error or on one
 * of its causes), and which spillway code it maps to. `ERR_BACKEND_UNREACHABLE`
 * means no connection was ever made, so the request provably never reached
 * the function; every other network fault is `ERR_BACKEND_NETWORK`, since
 * the request may have arrived before the connection broke.
 */

/** Codes of a connection that was never made: refused, no address, no route, a connect timeout. */
const NEVER_CONNECTED_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Codes of a connection that failed or broke at any point. */
const NETWORK_CODES: ReadonlySet<string> = new Set([
  ...NEVER_CONNECTED_CODES,
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENETDOWN',
  'EHOSTDOWN',
  'EPROTO',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** How deep the cause chain is searched: libraries wrap the socket's error once or twice. */
const MAX_CAUSE_DEPTH = 4;

/** The spillway code of a network fault. */
export type NetworkFaultCode = 'ERR_BACKEND_UNREACHABLE' | 'ERR_BACKEND_NETWORK';

/**
 * The network code of `error`: a known Node or undici code on the error or
 * one of its causes, else `TimeoutError` / `RequestTimeout` (the AWS SDK's
 * socket timeouts) or `socket hang up`; `undefined` when it is no network fault.
 */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, message } = error as { name?: unknown; message?: unknown };
  if (name === 'TimeoutError' || name === 'RequestTimeout') return name;
  return typeof message === 'string' && /socket hang up/i.test(message) ? 'socket hang up' : undefined;
}

/** `ERR_BACKEND_UNREACHABLE` when `code` (from {@link networkCode}) proves no connection was made, else `ERR_BACKEND_NETWORK`. */
export function networkFaultCode(code: string | undefined): NetworkFaultCode {
  return code !== undefined && NEVER_CONNECTED_CODES.has(code) ? 'ERR_BACKEND_UNREACHABLE' : 'ERR_BACKEND_NETWORK';
}
