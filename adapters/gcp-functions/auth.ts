/**
 * The `auth` option of `cloudFunctions()`: Google ID tokens, no
 * authentication, or a user function, all turned into one shape, a function
 * that resolves with the headers of one request.
 */
import { createIdTokenHeaders, type GoogleAuthLike } from './google-id-token.js';

/** Headers a custom `auth` function returns. */
export type AuthHeaders = Headers | Record<string, string>;

/** What a custom `auth` function is told about the request it authorizes. */
export interface AuthContext {
  /** The function's URL. */
  url: string;
  /** Aborts when the attempt is cancelled or times out. */
  signal: AbortSignal;
}

/** A custom `auth` option: returns (or resolves with) the headers to send, e.g. `{ authorization: 'Bearer …' }`. */
export type AuthHeadersProvider = (context: AuthContext) => AuthHeaders | Promise<AuthHeaders>;

/**
 * How requests to the function are authorized: `'google-id-token'` (a Google
 * ID token for the function's URL from Application Default Credentials),
 * `'none'` (a public function, or a local emulator), or a custom function.
 */
export type CloudFunctionsAuth = 'google-id-token' | 'none' | AuthHeadersProvider;

/** Resolves with the headers of one request. */
export type RequestAuthorizer = (context: AuthContext) => Promise<Record<string, string>>;

function normalize(headers: AuthHeaders): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.map(([key, value]) => [key.toLowerCase(), String(value)]));
}

/** Turns the `auth` option into a {@link RequestAuthorizer}. */
export function createRequestAuthorizer(auth: CloudFunctionsAuth, options: { audience: string; googleAuth?: GoogleAuthLike }): RequestAuthorizer {
  if (auth === 'none') return () => Promise.resolve({});
  if (auth === 'google-id-token') {
    const idTokenHeaders = createIdTokenHeaders(options.audience, options.googleAuth);
    return () => idTokenHeaders();
  }
  return async (context) => normalize(await auth(context));
}
