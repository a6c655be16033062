import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCloudFunctionHandler, registerCloudFunction } from '../../adapters/gcp-functions/handler.js';
import { cloudFunctions } from '../../adapters/gcp-functions/index.js';
import { offloadable, ValidationError } from '../../src/index.js';

const url = 'https://europe-west1-my-project.cloudfunctions.net/spillway';
const tasks = { echo: offloadable('echo', (value: unknown) => value) };

function validationMessage(make: () => unknown): string {
  try {
    make();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a ValidationError');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('cloudFunctions options', () => {
  it('names the field, the value and the expectation', () => {
    expect(validationMessage(() => cloudFunctions({ url, maxConcurrency: 0 }))).toBe(
      'Invalid cloudFunctions options: Expected `maxConcurrency` to be >= 1, got 0',
    );
    expect(validationMessage(() => cloudFunctions({ url, timeoutMs: -1 }))).toMatch(/Expected `timeoutMs` to be > 0, got -1/);
    expect(validationMessage(() => cloudFunctions({ url, pricing: { vcpu: 0 } }))).toMatch(/Expected `pricing\.vcpu` to be > 0, got 0/);
    expect(validationMessage(() => cloudFunctions({ url, retries: 3 } as never))).toMatch(/Unknown key `retries`: remove it or check the spelling/);
  });

  it('requires an absolute http(s) url', () => {
    expect(validationMessage(() => cloudFunctions({} as never))).toMatch(/`url`/);
    expect(validationMessage(() => cloudFunctions({ url: 'spillway' }))).toMatch(/Invalid `url`: expected an absolute URL such as https:\/\//);
    expect(validationMessage(() => cloudFunctions({ url: 'ftp://example.test/x' }))).toMatch(/expected an http\(s\) URL, got the ftp: scheme/);
  });

  it('accepts the three kinds of auth and refuses others', () => {
    expect(() => cloudFunctions({ url, auth: 'none' })).not.toThrow();
    expect(() => cloudFunctions({ url, auth: () => ({}) })).not.toThrow();
    expect(() => cloudFunctions({ url })).not.toThrow();
    expect(validationMessage(() => cloudFunctions({ url, auth: 'iam' as never }))).toMatch(
      /Invalid `auth`: expected 'google-id-token', 'none' or a function returning headers/,
    );
    expect(validationMessage(() => cloudFunctions({ url, googleAuth: {} as never }))).toMatch(/`googleAuth`: expected an object with a getIdTokenClient/);
  });

  it('refuses a short signing secret without printing it', () => {
    const message = validationMessage(() => cloudFunctions({ url, signingSecret: 'hunter2' }));
    expect(message).toMatch(/Expected `signingSecret` to be >= 16 in length/);
    expect(message).toMatch(/openssl rand -hex 32/);
    expect(message).not.toMatch(/hunter2/);
  });
});

describe('Cloud Function handler options', () => {
  it('needs a bundle hash for a module namespace, and names both ways to give one', () => {
    const message = validationMessage(() => createCloudFunctionHandler(tasks));
    expect(message).toMatch(/pass `bundleHash`/);
    expect(message).toMatch(/SPILLWAY_BUNDLE_HASH/);
    expect(() => createCloudFunctionHandler(tasks, { bundleHash: 'abc' })).not.toThrow();
    vi.stubEnv('SPILLWAY_BUNDLE_HASH', 'from-env');
    expect(() => createCloudFunctionHandler(tasks)).not.toThrow();
  });

  it('refuses a namespace without tasks', () => {
    expect(validationMessage(() => createCloudFunctionHandler({ notATask: 1 }, { bundleHash: 'abc' }))).toMatch(/exports no offloadable tasks/);
  });

  it('validates options, and a secret from the environment as if passed, without printing it', () => {
    expect(validationMessage(() => createCloudFunctionHandler(tasks, { bundleHash: 'abc', maxBodyBytes: 0 }))).toMatch(
      /Expected `maxBodyBytes` to be >= 1, got 0/,
    );
    vi.stubEnv('SPILLWAY_SIGNING_SECRET', 'short-one');
    const message = validationMessage(() => createCloudFunctionHandler(tasks, { bundleHash: 'abc' }));
    expect(message).toMatch(/\(signingSecret read from SPILLWAY_SIGNING_SECRET\): Expected `signingSecret` to be >= 16 in length/);
    expect(message).not.toMatch(/short-one/);
  });

  it('refuses a function name the Functions Framework would refuse', () => {
    expect(validationMessage(() => registerCloudFunction('my function', tasks, { bundleHash: 'abc' }))).toMatch(
      /Expected the Cloud Function name to be a letter.*got "my function"/,
    );
  });
});
