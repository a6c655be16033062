/**
 * Google ID tokens for calling a private Cloud Function: one
 * `GoogleAuth#getIdTokenClient(audience)` per backend, its Authorization
 * header cached until shortly before the token's `exp`, and one fetch shared
 * by every request that needs a token at the same moment (google-auth-library's
 * IdTokenClient would fetch once per concurrent request).
 */

/** The part of google-auth-library's `IdTokenClient` that spillway uses. */
export interface IdTokenClientLike {
  /** Headers that authorize a request, `Authorization: Bearer <ID token>` among them. */
  getRequestHeaders(url?: string): Promise<Headers | Record<string, string>>;
}

/** The part of google-auth-library's `GoogleAuth` that spillway uses; a `GoogleAuth` instance fits. */
export interface GoogleAuthLike {
  /** A client that mints ID tokens whose audience is `targetAudience`. */
  getIdTokenClient(targetAudience: string): Promise<IdTokenClientLike>;
}

/** A token is refreshed this long before its `exp`, so no request leaves with a token about to expire. */
export const ID_TOKEN_REFRESH_MARGIN_MS = 60_000;

function toHeaderRecord(headers: Headers | Record<string, string>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.map(([key, value]) => [key.toLowerCase(), String(value)]));
}

/** Expiry of a JWT (its `exp` claim) in milliseconds, or undefined when it cannot be read. */
function jwtExpiryMs(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function defaultGoogleAuth(): Promise<GoogleAuthLike> {
  // Loaded on first use, so `auth: 'none'` and custom auth never load google-auth-library.
  const { GoogleAuth } = await import('google-auth-library');
  return new GoogleAuth();
}

/**
 * Returns a function that resolves with the headers authorizing a request to
 * a function whose audience is `audience` (normally the function's URL).
 * `googleAuth` defaults to `new GoogleAuth()` (Application Default Credentials).
 */
export function createIdTokenHeaders(audience: string, googleAuth?: GoogleAuthLike): () => Promise<Record<string, string>> {
  let client: Promise<IdTokenClientLike> | undefined;
  let cached: { headers: Record<string, string>; expiresAtMs: number } | undefined;
  let pending: Promise<Record<string, string>> | undefined;

  async function fetchHeaders(): Promise<Record<string, string>> {
    client ??= (googleAuth === undefined ? defaultGoogleAuth() : Promise.resolve(googleAuth)).then((auth) => auth.getIdTokenClient(audience));
    let idTokenClient: IdTokenClientLike;
    try {
      idTokenClient = await client;
    } catch (error) {
      client = undefined;
      throw error;
    }
    const headers = toHeaderRecord(await idTokenClient.getRequestHeaders(audience));
    const token = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
    if (token === undefined) throw new Error('The ID token client answered without an "Authorization: Bearer <token>" header');
    const expiresAtMs = jwtExpiryMs(token);
    cached = expiresAtMs === undefined ? undefined : { headers, expiresAtMs };
    return headers;
  }

  return () => {
    if (cached !== undefined && Date.now() < cached.expiresAtMs - ID_TOKEN_REFRESH_MARGIN_MS) return Promise.resolve(cached.headers);
    pending ??= fetchHeaders().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
