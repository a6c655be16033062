// auth: 'google-id-token' through the real google-auth-library: a
// GoogleAuth on a Compute client asks the GCE metadata server for an ID
// token, as it does on Cloud Run, GKE or GCE. The metadata server is msw on
// a loopback address (GCE_METADATA_HOST), so nothing leaves this machine.
import { Compute, GoogleAuth } from 'google-auth-library';
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { ENVELOPE_VERSION, serialize } from '../../src/contract/index.js';
import { envelopeOf } from '../support/envelopes.js';
import { rejectionOf } from '../support/helpers.js';

const METADATA_HOST = '127.0.0.1:9';
const IDENTITY_URL = `http://${METADATA_HOST}/computeMetadata/v1/instance/service-accounts/default/identity`;
const FUNCTION_URL = 'http://127.0.0.1:9/spillway';
const TOKEN_LIFETIME_S = 3600;

let minted = 0;
const audiences: string[] = [];
const authorizations: string[] = [];

/** An unsigned JWT with the claims Google puts in an ID token; only `exp` matters to the client. */
function idToken(audience: string, serial: number): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({ aud: audience, iat: now, exp: now + TOKEN_LIFETIME_S, serial })}.signature`;
}

const metadataServer = http.get(IDENTITY_URL, ({ request }) => {
  const audience = new URL(request.url).searchParams.get('audience') ?? '';
  audiences.push(audience);
  if (request.headers.get('metadata-flavor') !== 'Google') return new HttpResponse('missing Metadata-Flavor', { status: 403 });
  return HttpResponse.text(idToken(audience, ++minted), { headers: { 'metadata-flavor': 'Google' } });
});

const cloudFunction = http.post(FUNCTION_URL, async ({ request }) => {
  authorizations.push(request.headers.get('authorization') ?? '');
  const { id } = (await request.json()) as { id: string };
  return HttpResponse.json({ version: ENVELOPE_VERSION, id, ok: true, output: serialize('ok', 'output'), durationMs: 1 });
});

const server = setupServer(metadataServer, cloudFunction);

beforeAll(() => {
  vi.stubEnv('GCE_METADATA_HOST', METADATA_HOST);
  server.listen({ onUnhandledRequest: 'error' });
});
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  minted = 0;
  audiences.length = 0;
  authorizations.length = 0;
});
afterAll(() => {
  server.close();
  vi.unstubAllEnvs();
});

function gcfWithIdTokens(extra: { audience?: string } = {}) {
  return cloudFunctions({ url: FUNCTION_URL, auth: 'google-id-token', googleAuth: new GoogleAuth({ authClient: new Compute() }), ...extra });
}

function tokenSerial(authorization: string): number {
  const payload = authorization.replace(/^Bearer /, '').split('.')[1];
  return (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { serial: number }).serial;
}

describe("auth: 'google-id-token'", () => {
  it('sends a Google ID token whose audience is the function URL', async () => {
    await gcfWithIdTokens().invoke(envelopeOf('echo', 1));
    expect(audiences).toEqual([FUNCTION_URL]);
    expect(authorizations).toHaveLength(1);
    expect(authorizations[0]).toMatch(/^Bearer [\w-]+\.[\w-]+\.signature$/);
    expect(tokenSerial(authorizations[0])).toBe(1);
  });

  it('uses the audience option when given', async () => {
    await gcfWithIdTokens({ audience: 'https://spillway-abc-ew.a.run.app' }).invoke(envelopeOf('echo', 1));
    expect(audiences).toEqual(['https://spillway-abc-ew.a.run.app']);
  });

  it('mints one token for many calls, concurrent ones included', async () => {
    const gcf = gcfWithIdTokens();
    await Promise.all(Array.from({ length: 5 }, (_, index) => gcf.invoke(envelopeOf('echo', index))));
    await gcf.invoke(envelopeOf('echo', 6));
    expect(minted).toBe(1);
    expect(new Set(authorizations).size).toBe(1);
    expect(authorizations).toHaveLength(6);
  });

  it('keeps the token until shortly before it expires, then mints a new one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.UTC(2030, 0, 1);
    vi.setSystemTime(start);
    const gcf = gcfWithIdTokens();
    await gcf.invoke(envelopeOf('echo', 1));
    vi.setSystemTime(start + (TOKEN_LIFETIME_S - 120) * 1000);
    await gcf.invoke(envelopeOf('echo', 2));
    expect(minted).toBe(1);
    vi.setSystemTime(start + (TOKEN_LIFETIME_S - 30) * 1000);
    await gcf.invoke(envelopeOf('echo', 3));
    expect(minted).toBe(2);
    expect(authorizations.map(tokenSerial)).toEqual([1, 1, 2]);
  });

  it('fails with ERR_BACKEND_AUTH and sends nothing when no token can be had, and tries again on the next call', async () => {
    server.use(http.get(IDENTITY_URL, () => new HttpResponse('metadata server unavailable', { status: 404, headers: { 'metadata-flavor': 'Google' } })));
    const gcf = gcfWithIdTokens();
    const error = await rejectionOf(gcf.invoke(envelopeOf('echo', 1)));
    expect(error).toMatchObject({ name: 'BackendError', code: 'ERR_BACKEND_AUTH', retryable: false });
    expect((error as Error).message).toMatch(
      /Cannot authorize the request to the gcf backend at http:\/\/127\.0\.0\.1:9\/spillway: .*Application Default Credentials/,
    );
    expect(authorizations).toHaveLength(0);
    server.resetHandlers();
    await expect(gcf.invoke(envelopeOf('echo', 2))).resolves.toMatchObject({ ok: true });
    expect(minted).toBe(1);
  });
});
