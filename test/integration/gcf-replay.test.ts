// Replay protection of the Cloud Functions handler (issue 13, break 7): a
// signed request sent twice runs once; the second answer is 401
// ERR_REPLAYED. Raw requests to the real Functions Framework on 127.0.0.1
// over the built handler, signed with the public signRequest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENVELOPE_CONTENT_TYPE, HandlerErrorCode, signRequest } from '../../adapters/gcp-functions/handler.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { remoteEnvelope } from '../support/envelopes.js';
import { type FunctionsFrameworkServer, GCF_TEST_ENTRY, startFunctionsFramework } from '../support/functions-framework.js';

const SECRET = 'replay-test-signing-secret';
let server: FunctionsFrameworkServer;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'spillway-replay-'));
  server = await startFunctionsFramework({ source: GCF_TEST_ENTRY, signingSecret: SECRET });
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function post(body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(server.url, { method: 'POST', body, headers: { 'content-type': ENVELOPE_CONTENT_TYPE, ...headers } });
}

describe('a signed request replayed within the clock-skew window', () => {
  it('runs once; the replay is refused with 401 ERR_REPLAYED and does not run', async () => {
    const marker = join(scratch, 'ran');
    const body = JSON.stringify(remoteEnvelope('touch', marker));
    const headers = signRequest(body, SECRET);
    const first = await post(body, { ...headers });
    expect(first.status).toBe(200);
    rmSync(marker);
    const replay = await post(body, { ...headers });
    expect(replay.status).toBe(401);
    const answer = (await replay.json()) as { error: { code: string; message: string } };
    expect(answer.error.code).toBe(HandlerErrorCode.replayed);
    expect(answer.error.message).toContain('already accepted');
    expect(() => readFileSync(marker)).toThrow();
  });

  it('the client signs every attempt anew: the same envelope sent again by cloudFunctions() runs again', async () => {
    const gcf = cloudFunctions({ url: server.url, auth: 'none', signingSecret: SECRET });
    const envelope = remoteEnvelope('echo', 1);
    await expect(gcf.invoke(envelope)).resolves.toMatchObject({ ok: true });
    // A new attempt carries a new attempt number, so its body and signature differ.
    await expect(gcf.invoke({ ...envelope, attempt: 2 })).resolves.toMatchObject({ ok: true });
    await gcf.destroy();
  });
});
