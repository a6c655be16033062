/**
 * Optional HMAC request signing between the client and the handler. The
 * client signs `"<timestamp>.<body>"` with HMAC-SHA256 and the shared
 * secret; the handler recomputes it over the exact bytes it received,
 * compares in constant time and refuses requests whose timestamp is too far
 * from its own clock (which bounds replays to that window).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from './protocol.js';

/** Largest accepted distance between the request's timestamp and the verifier's clock, by default: 5 minutes. */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

const SIGNATURE_PREFIX = 'sha256=';

/** The headers {@link signRequest} produces. */
export interface SignatureHeaders {
  /** Whole seconds since the Unix epoch. */
  [TIMESTAMP_HEADER]: string;
  /** `sha256=<64 hex digits>`. */
  [SIGNATURE_HEADER]: string;
}

/** Options of {@link verifyRequest}. */
export interface VerifyOptions {
  /**
   * The verifier's clock, in milliseconds since the Unix epoch.
   * @default Date.now()
   */
  nowMs?: number;
  /**
   * Largest accepted distance between the request's timestamp and `nowMs`.
   * @default 300_000 (5 minutes)
   */
  maxClockSkewMs?: number;
}

/** Outcome of {@link verifyRequest}: `reason` says what is wrong, for the 401 body. */
export type VerifyResult = { ok: true } | { ok: false; reason: string };

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/**
 * Signs a request body. Send the returned headers with exactly the bytes
 * that were signed.
 */
export function signRequest(body: string | Uint8Array, secret: string, nowMs: number = Date.now()): SignatureHeaders {
  const timestamp = String(Math.floor(nowMs / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${SIGNATURE_PREFIX}${hmacHex(secret, timestamp, body)}` };
}

/**
 * Checks the signature headers of a request against its raw body. Never
 * throws; the comparison takes the same time whatever the signature holds.
 */
export function verifyRequest(
  body: string | Uint8Array,
  headers: { timestamp?: string | undefined; signature?: string | undefined },
  secret: string,
  options: VerifyOptions = {},
): VerifyResult {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) {
    const missing = [timestamp === undefined ? TIMESTAMP_HEADER : undefined, signature === undefined ? SIGNATURE_HEADER : undefined]
      .filter(Boolean)
      .join(' and ');
    return {
      ok: false,
      reason: `The request is not signed: the ${missing} header${missing.includes(' and ') ? 's are' : ' is'} missing. Give the client the same \`signingSecret\` as the function`,
    };
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    return {
      ok: false,
      reason: `Expected the ${TIMESTAMP_HEADER} header to be whole seconds since the Unix epoch, got ${JSON.stringify(timestamp.slice(0, 40))}`,
    };
  }
  const nowMs = options.nowMs ?? Date.now();
  const maxClockSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const skewMs = Math.abs(nowMs - Number(timestamp) * 1000);
  if (skewMs > maxClockSkewMs) {
    return {
      ok: false,
      reason: `The request was signed ${Math.round(skewMs / 1000)} s away from the function's clock, more than the ${Math.round(maxClockSkewMs / 1000)} s allowed: sign each request when it is sent and keep both clocks in sync`,
    };
  }
  if (!signature.startsWith(SIGNATURE_PREFIX)) {
    return {
      ok: false,
      reason: `Expected the ${SIGNATURE_HEADER} header to read "${SIGNATURE_PREFIX}<hex HMAC-SHA256>", got ${JSON.stringify(signature.slice(0, 20))}`,
    };
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  const given = Buffer.from(signature.slice(SIGNATURE_PREFIX.length), 'hex');
  // A wrong length (or non-hex text) still costs one constant-time comparison.
  const matches = given.length === expected.length ? timingSafeEqual(given, expected) : !timingSafeEqual(expected, expected);
  return matches
    ? { ok: true }
    : {
        ok: false,
        reason: 'The request signature does not match its body: the client and the function use different `signingSecret`s, or the body was changed',
      };
}
