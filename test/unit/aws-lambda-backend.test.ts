// lambda() options, facts, pricing and the classification of SDK errors,
// with real exception classes of @aws-sdk/client-lambda. No network.
import {
  EC2ThrottledException,
  InvalidSubnetIDException,
  LambdaClient,
  ResourceNotFoundException,
  ServiceException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { classifyInvokeFailure, type FailureContext } from '../../adapters/aws-lambda/errors.js';
import { LAMBDA_MAX_PAYLOAD_BYTES, type LambdaBackend, LambdaInvokeError, type LambdaOptions, lambda } from '../../adapters/aws-lambda/index.js';
import { decodeLogTail } from '../../adapters/aws-lambda/protocol.js';
import { CapacityError, ValidationError } from '../../src/index.js';

const created: LambdaBackend[] = [];

afterEach(async () => {
  await Promise.all(created.splice(0).map((backend) => backend.destroy()));
});

function make(options: LambdaOptions): LambdaBackend {
  const backend = lambda(options);
  created.push(backend);
  return backend;
}

function invalid(options: unknown): ValidationError {
  try {
    make(options as LambdaOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error(`lambda() accepted ${JSON.stringify(options)}`);
}

describe('lambda() facts', () => {
  it('has the documented defaults', () => {
    const backend = make({ functionName: 'spillway-tasks', region: 'eu-west-1' });
    expect(backend.name).toBe('lambda');
    expect(backend.kind).toBe('lambda');
    expect(backend.maxPayloadBytes).toBe(6 * 1024 * 1024);
    expect(LAMBDA_MAX_PAYLOAD_BYTES).toBe(6 * 1024 * 1024);
    expect(backend.maxConcurrency).toBe(100);
    expect(backend.memoryMb).toBe(1024);
    expect(backend.architecture).toBe('x86_64');
    expect(backend.functionName).toBe('spillway-tasks');
    expect(backend.qualifier).toBeUndefined();
    expect(backend.pricing).toEqual({ usdPerGbSecond: 0.0000166667, usdPerRequest: 0.0000002 });
    expect(backend.snapshot()).toEqual({ inFlight: 0, queued: 0 });
  });

  it('takes name, qualifier, concurrency, memory, architecture and prices from the options', () => {
    const backend = make({
      functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:tasks',
      qualifier: 'live',
      name: 'lambda-eu',
      maxConcurrency: 8,
      memoryMb: 2048,
      architecture: 'arm64',
      pricing: { usdPerRequest: 0 },
      client: new LambdaClient({ region: 'eu-west-1', maxAttempts: 1 }),
    });
    expect(backend).toMatchObject({ name: 'lambda-eu', qualifier: 'live', maxConcurrency: 8, memoryMb: 2048, architecture: 'arm64' });
    expect(backend.pricing).toEqual({ usdPerGbSecond: 0.0000133334, usdPerRequest: 0 });
  });

  it('estimates the cost of an invocation from memory, billed milliseconds and prices', () => {
    const backend = make({ functionName: 'tasks', memoryMb: 2048, pricing: { usdPerGbSecond: 0.00001, usdPerRequest: 0.000001 } });
    // 2 GB for 1.5 s (1499.2 ms bills as 1500 ms) = 3 GB-s.
    expect(backend.estimateCostUsd(1499.2)).toBeCloseTo(0.000001 + 3 * 0.00001, 12);
    expect(backend.estimateCostUsd(0)).toBeCloseTo(0.000001, 12);
  });
});

describe('lambda() option validation', () => {
  it('names the field, the value and the expectation', () => {
    const error = invalid({ functionName: 'tasks', maxConcurrency: 0 });
    expect(error.message).toBe('Invalid lambda() options: Expected `maxConcurrency` to be >= 1, got 0');
    expect(error.path).toBe('maxConcurrency');
  });

  it('requires functionName', () => {
    const error = invalid({ region: 'us-east-1' });
    expect(error.path).toBe('functionName');
    expect(error.message).toContain('`functionName`');
  });

  it('refuses unknown keys, memory outside Lambda’s range, a bad qualifier and a client that is not one', () => {
    expect(invalid({ functionName: 'tasks', functionname: 'x' }).message).toContain('Unknown key `functionname`');
    expect(invalid({ functionName: 'tasks', memoryMb: 64 }).path).toBe('memoryMb');
    expect(invalid({ functionName: 'tasks', qualifier: 'v 1' }).message).toContain('$LATEST');
    expect(invalid({ functionName: 'tasks', client: {} }).message).toContain('maxAttempts: 1');
    expect(invalid({ functionName: 'tasks', architecture: 'ppc' }).path).toBe('architecture');
  });
});

describe('classifyInvokeFailure', () => {
  const context: FailureContext = {
    backend: 'lambda',
    functionName: 'tasks',
    taskId: 't-1',
    taskName: 'digest',
    region: 'eu-west-1',
    sizeBytes: 10,
    limitBytes: LAMBDA_MAX_PAYLOAD_BYTES,
  };
  const metadata = (httpStatusCode: number) => ({ httpStatusCode, requestId: 'req-1' });

  it('makes throttling a retryable CapacityError, ERR_BACKEND_THROTTLED with the exception name as providerCode', () => {
    for (const [thrown, providerCode] of [
      [new TooManyRequestsException({ message: 'Rate Exceeded.', $metadata: metadata(429), retryAfterSeconds: '1' }), 'TooManyRequestsException'],
      [new EC2ThrottledException({ message: 'EC2 throttled', $metadata: metadata(502) }), 'EC2ThrottledException'],
    ] as const) {
      const error = classifyInvokeFailure(thrown, context);
      expect(error).toBeInstanceOf(CapacityError);
      expect(error.code).toBe('ERR_BACKEND_THROTTLED');
      expect(error).toMatchObject({ providerCode });
      expect(error.retryable).toBe(true);
      expect(error.cause).toBe(thrown);
      expect(error.taskName).toBe('digest');
    }
  });

  it('makes a service exception retryable and a configuration fault not', () => {
    const service = classifyInvokeFailure(new ServiceException({ message: 'boom', $metadata: metadata(500) }), context);
    expect(service).toMatchObject({ code: 'ERR_LAMBDA_SERVICE', retryable: true, statusCode: 500, requestId: 'req-1' });
    const subnet = classifyInvokeFailure(new InvalidSubnetIDException({ message: 'bad subnet', $metadata: metadata(502) }), context);
    expect(subnet).toMatchObject({ code: 'ERR_LAMBDA_CONFIGURATION', retryable: false });
    expect(subnet.message).toContain('redeploy');
  });

  it('names the region for a missing function', () => {
    const error = classifyInvokeFailure(new ResourceNotFoundException({ message: 'Function not found', $metadata: metadata(404) }), context);
    expect(error).toBeInstanceOf(LambdaInvokeError);
    expect(error.message).toContain('region eu-west-1');
    expect(error.retryable).toBe(false);
  });

  it('treats network codes, also on a cause, as retryable network errors: unreachable when no connection was made', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classifyInvokeFailure(refused, context)).toMatchObject({ code: 'ERR_BACKEND_UNREACHABLE', retryable: true });
    const noDns = new Error('getaddrinfo', { cause: Object.assign(new Error('no such host'), { code: 'ENOTFOUND' }) });
    expect(classifyInvokeFailure(noDns, context)).toMatchObject({ code: 'ERR_BACKEND_UNREACHABLE', retryable: true });
    const wrapped = new Error('fetch failed', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) });
    expect(classifyInvokeFailure(wrapped, context)).toMatchObject({ code: 'ERR_BACKEND_NETWORK', retryable: true });
    expect(classifyInvokeFailure(new Error('socket hang up'), context)).toMatchObject({ code: 'ERR_BACKEND_NETWORK' });
  });

  it('reports missing credentials as an access problem and anything else as a non-retryable invoke error', () => {
    const noCredentials = Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
    expect(classifyInvokeFailure(noCredentials, context)).toMatchObject({ code: 'ERR_LAMBDA_ACCESS_DENIED', retryable: false });
    expect(classifyInvokeFailure(new TypeError('bad'), context)).toMatchObject({ code: 'ERR_LAMBDA_INVOKE', retryable: false });
    expect(classifyInvokeFailure('a string', context).message).toContain('a string');
  });
});

describe('decodeLogTail', () => {
  it('decodes base64 to UTF-8 text and ignores an empty tail', () => {
    expect(decodeLogTail(Buffer.from('START é\nEND\n').toString('base64'))).toBe('START é\nEND\n');
    expect(decodeLogTail('')).toBeUndefined();
    expect(decodeLogTail(undefined)).toBeUndefined();
  });
});
