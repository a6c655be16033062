/**
 * Options of `createLambdaHandler` (the function side), validated once with
 * zod at the edge, defaults beside the schema.
 */
import * as z from 'zod';
import { parseOptions } from '../../src/backends/invalid-options.js';

/** Options of `createLambdaHandler`. */
export interface LambdaHandlerOptions {
  /**
   * Content hash of the task module (what `hashTaskModule(tasksUrl)` returns
   * on the caller's side). Required when `taskModule` is a module namespace,
   * since a bundled function cannot hash the original file; when
   * `taskModule` is a URL it overrides the hash of that file. An empty
   * string counts as not given.
   * @default process.env.SPILLWAY_BUNDLE_HASH, else (for a URL) the file's own hash
   */
  bundleHash?: string | undefined;
  /**
   * Time kept back from the function's remaining time to encode and return
   * the answer. A task still running when only this much time is left is
   * answered as a timeout (its signal aborts), instead of Lambda killing the
   * function with no result.
   * @default 250
   */
  responseReserveMs?: number;
}

/** Handler options with every default applied. */
export interface ResolvedLambdaHandlerOptions {
  bundleHash?: string;
  responseReserveMs: number;
}

/** Default of {@link LambdaHandlerOptions.responseReserveMs}. */
const DEFAULT_RESPONSE_RESERVE_MS = 250;

const LambdaHandlerOptionsSchema = z
  .object({
    bundleHash: z.string().optional(),
    responseReserveMs: z.number().min(0).max(900_000).default(DEFAULT_RESPONSE_RESERVE_MS),
  })
  .strict();

/** Validates the options of `createLambdaHandler` and applies defaults; throws `ValidationError` naming every invalid field. */
export function resolveLambdaHandlerOptions(options: unknown = {}): ResolvedLambdaHandlerOptions {
  const { bundleHash, responseReserveMs } = parseOptions(LambdaHandlerOptionsSchema, options ?? {}, 'createLambdaHandler options');
  return { ...(bundleHash === undefined ? {} : { bundleHash }), responseReserveMs };
}
