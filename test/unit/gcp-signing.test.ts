import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_CLOCK_SKEW_MS, signRequest, verifyRequest } from '../../adapters/gcp-functions/signing.js';

const secret = 'a-test-secret-of-32-characters!!';
const body = JSON.stringify({ version: 1, id: 't', task: 'echo', input: '[1]' });
const signedAt = Date.UTC(2030, 0, 1, 12, 0, 0);

function headersOf(signed: ReturnType<typeof signRequest>): { timestamp: string; signature: string } {
  return { timestamp: signed['x-spillway-timestamp'], signature: signed['x-spillway-signature'] };
}

describe('signRequest', () => {
  it('signs "<unix seconds>.<body>" with HMAC-SHA256 as sha256=<hex>', () => {
    const signed = signRequest(body, secret, signedAt);
    expect(signed['x-spillway-timestamp']).toBe(String(signedAt / 1000));
    const expected = createHmac('sha256', secret)
      .update(`${signedAt / 1000}.${body}`)
      .digest('hex');
    expect(signed['x-spillway-signature']).toBe(`sha256=${expected}`);
  });

  it('signs bytes and the same text alike', () => {
    expect(signRequest(Buffer.from(body), secret, signedAt)).toEqual(signRequest(body, secret, signedAt));
  });
});

describe('verifyRequest', () => {
  it('accepts its own signature over the same bytes', () => {
    const headers = headersOf(signRequest(body, secret, signedAt));
    expect(verifyRequest(Buffer.from(body), headers, secret, { nowMs: signedAt })).toEqual({ ok: true });
  });

  it('refuses a tampered body, a wrong secret and a tampered timestamp', () => {
    const headers = headersOf(signRequest(body, secret, signedAt));
    const tampered = verifyRequest(body.replace('echo', 'evil'), headers, secret, { nowMs: signedAt });
    expect(tampered).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match its body/) });
    expect(verifyRequest(body, headers, 'another-secret-of-enough-length', { nowMs: signedAt }).ok).toBe(false);
    const shifted = { ...headers, timestamp: String(Number(headers.timestamp) + 1) };
    expect(verifyRequest(body, shifted, secret, { nowMs: signedAt }).ok).toBe(false);
  });

  it('accepts a clock skew up to the limit and refuses one beyond it, in both directions', () => {
    const headers = headersOf(signRequest(body, secret, signedAt));
    expect(verifyRequest(body, headers, secret, { nowMs: signedAt + DEFAULT_MAX_CLOCK_SKEW_MS }).ok).toBe(true);
    expect(verifyRequest(body, headers, secret, { nowMs: signedAt - DEFAULT_MAX_CLOCK_SKEW_MS }).ok).toBe(true);
    const late = verifyRequest(body, headers, secret, { nowMs: signedAt + DEFAULT_MAX_CLOCK_SKEW_MS + 1000 });
    expect(late).toMatchObject({ ok: false, reason: expect.stringMatching(/301 s away from the function's clock, more than the 300 s allowed/) });
    expect(verifyRequest(body, headers, secret, { nowMs: signedAt - DEFAULT_MAX_CLOCK_SKEW_MS - 1000 }).ok).toBe(false);
    expect(verifyRequest(body, headers, secret, { nowMs: signedAt + 2000, maxClockSkewMs: 1000 }).ok).toBe(false);
  });

  it('names the missing header of an unsigned request', () => {
    expect(verifyRequest(body, {}, secret)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/x-spillway-timestamp and x-spillway-signature headers are missing/),
    });
    const { timestamp } = headersOf(signRequest(body, secret));
    expect(verifyRequest(body, { timestamp }, secret)).toMatchObject({ ok: false, reason: expect.stringMatching(/x-spillway-signature header is missing/) });
  });

  it('refuses malformed headers without throwing', () => {
    const { timestamp, signature } = headersOf(signRequest(body, secret, signedAt));
    expect(verifyRequest(body, { timestamp: 'yesterday', signature }, secret, { nowMs: signedAt })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/whole seconds since the Unix epoch/),
    });
    expect(verifyRequest(body, { timestamp, signature: signature.slice('sha256='.length) }, secret, { nowMs: signedAt })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/to read "sha256=/),
    });
    expect(verifyRequest(body, { timestamp, signature: 'sha256=abc' }, secret, { nowMs: signedAt }).ok).toBe(false);
    expect(verifyRequest(body, { timestamp, signature: 'sha256=not hex at all' }, secret, { nowMs: signedAt }).ok).toBe(false);
  });
});
