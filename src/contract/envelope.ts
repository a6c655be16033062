/**
 * The versioned envelopes that cross every thread and network boundary.
 * Values inside are strings made by the value codec (`codec.ts`); the
 * envelopes themselves are plain JSON so any transport can carry them.
 */
import * as z from 'zod';
import type { BinaryParts } from './binary.js';
import { MAX_LOG_BYTES, MAX_TIMEOUT_MS } from './platform.js';
import type { TaskLogs } from './task-log.js';

/** Version of the envelope schema. Bumped on any incompatible change. */
export const ENVELOPE_VERSION = 1;

/**
 * The task name of a warm-up request (`burst.prewarm`): the runtime runs no
 * task and answers at once (`ok`, output `null`), and the handler reports
 * the environment's `coldStartMs` as with any first invocation. No task can
 * have this name (task names have no `:`), so a handler that predates
 * warm-ups answers `unknown-task` without running anything.
 */
export const WARM_UP_TASK = 'spillway:warm-up';

/**
 * Payloads by reference: presigned (S3) or signed (GCS) URLs of objects in
 * the caller's bucket, so the function needs no storage SDK and no
 * permission beyond the URLs. They expire at the attempt's deadline plus a
 * margin.
 */
export const PayloadRef = z.object({
  /** HTTPS GET URL of the codec-encoded input; when set, the envelope's `input` is empty. */
  inputUrl: z.string().min(1).optional(),
  /** HTTPS PUT URL for the codec-encoded output. */
  outputUrl: z.string().min(1),
  /** An output whose encoding is over this many bytes is uploaded to `outputUrl` instead of being answered inline. */
  outputOverBytes: z.number().int().min(0),
  /**
   * The caller reads binary frames (`binary-frame.ts`): the input object at
   * `inputUrl` may be one, and an output with binary leaves is uploaded as
   * one (raw bytes, not base64). Absent: both are codec text.
   */
  frames: z.literal(true).optional(),
  /** The payload store's hard cap: an output whose upload would be larger fails with `PayloadTooLargeError` instead. */
  maxOutputBytes: z.number().int().min(1).optional(),
});
/** Payloads by reference: presigned or signed URLs of objects in the caller's bucket. */
export type PayloadRef = z.infer<typeof PayloadRef>;

/** One task attempt on its way to a backend. */
export const TaskEnvelope = z.object({
  /** Envelope schema version ({@link ENVELOPE_VERSION}). */
  version: z.literal(ENVELOPE_VERSION),
  /** Task id, stable across retries and failover. */
  id: z.string().min(1),
  /** Name of the `offloadable` export to run. */
  task: z.string().min(1),
  /** Content hash of the task module the caller was built with. */
  bundleHash: z.string().min(1),
  /** 1 for the first attempt. */
  attempt: z.number().int().min(1),
  /** Codec-encoded input. */
  input: z.string(),
  /** Limit for this attempt's run time, enforced by the runtime when the backend cannot stop it from outside; at most `MAX_TIMEOUT_MS`. */
  timeoutMs: z.number().positive().max(MAX_TIMEOUT_MS).optional(),
  /**
   * Trace context of the attempt as W3C headers (`traceparent`, `tracestate`,
   * and whatever else the caller's OpenTelemetry propagator writes), where the
   * OpenTelemetry Lambda instrumentation looks for it (`event.headers`).
   * Optional: handlers that predate it ignore it (unknown keys are stripped),
   * and a malformed value is dropped here rather than failing the task.
   */
  headers: z.record(z.string(), z.string()).optional().catch(undefined),
  /**
   * Set when a payload store is configured: where the input travels by
   * reference (`inputUrl`, then `input` is empty) and where the handler
   * uploads an output over `outputOverBytes` (see {@link PayloadRef}).
   */
  payloadRef: PayloadRef.optional(),
  /**
   * Capture what the task prints, keeping the last `maxBytes` (see `task-log.ts`);
   * absent: nothing is captured. Optional: handlers that predate it ignore it.
   */
  logs: z
    .object({ maxBytes: z.number().int().min(1).max(MAX_LOG_BYTES) })
    .optional()
    .catch(undefined),
});
/**
 * In-process only, never on a network: the out-of-band bytes of the
 * envelope's `input` or `output` when it crosses a thread boundary (the
 * local pool), posted by structured clone or transfer instead of as text.
 */
export interface InProcessBinary {
  binary?: BinaryParts;
}

/** One task attempt on its way to a backend. */
export type TaskEnvelope = z.infer<typeof TaskEnvelope> & InProcessBinary;

/** Why a task attempt failed, as data. */
export const ErrorKind = z.enum([
  'task',
  'validation',
  'serialization',
  'unknown-task',
  'stale-bundle',
  'timeout',
  'bad-envelope',
  'payload-transfer',
  'payload-too-large',
]);
/** Why a task attempt failed, as data. */
export type ErrorKind = z.infer<typeof ErrorKind>;

/** An error as data: enough to rebuild it on the other side of a boundary. */
export interface EncodedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** Path of the offending value, for validation and serialization errors. */
  path?: string;
  /** Codec-encoded object of the error's own enumerable fields (besides the ones above). */
  fields?: string;
  /** The `cause` chain: an error, or a codec-encoded value under `value`. */
  cause?: EncodedError | { value: string };
}

/** An error as data: enough to rebuild it on the other side of a boundary. */
export const EncodedError: z.ZodType<EncodedError> = z.lazy(() =>
  z.object({
    name: z.string(),
    message: z.string(),
    stack: z.string().optional(),
    code: z.string().optional(),
    path: z.string().optional(),
    fields: z.string().optional(),
    cause: z.union([EncodedError, z.object({ value: z.string() })]).optional(),
  }),
);

/** What an attempt printed, as a result carries it. */
const TaskLogsSchema: z.ZodType<TaskLogs> = z.object({
  lines: z.array(z.object({ stream: z.enum(['stdout', 'stderr']), text: z.string(), at: z.number() })),
  truncated: z.boolean(),
});

const resultBase = {
  version: z.literal(ENVELOPE_VERSION),
  id: z.string(),
  /** How long the task ran where it ran, in milliseconds. */
  durationMs: z.number().nonnegative(),
  /** What the task printed, when the envelope asked for `logs` and it printed anything. Optional: a malformed value is dropped. */
  logs: TaskLogsSchema.optional().catch(undefined),
  /**
   * INIT time of the execution environment this attempt started, in
   * milliseconds, when the attempt was its first (a cold start) and the
   * platform bills INIT; absent on a warm environment. Optional: a malformed value is dropped.
   */
  coldStartMs: z.number().nonnegative().optional().catch(undefined),
};

/** The outcome of one task attempt: a codec-encoded output, or an error as data. */
export const ResultEnvelope = z.discriminatedUnion('ok', [
  z.object({
    ...resultBase,
    ok: z.literal(true),
    output: z.string(),
    /** True when the handler uploaded the output to the envelope's `payloadRef.outputUrl` (then `output` is empty). */
    outputByReference: z.literal(true).optional(),
  }),
  z.object({
    ...resultBase,
    ok: z.literal(false),
    kind: ErrorKind,
    error: EncodedError,
    /** True when the handler uploaded this failure (its `error` and `logs`, as JSON) to `payloadRef.outputUrl`: `error` is then a short stand-in. */
    errorByReference: z.literal(true).optional(),
  }),
]);
/** The outcome of one task attempt: a codec-encoded output, or an error as data. */
export type ResultEnvelope = z.infer<typeof ResultEnvelope> & InProcessBinary;
