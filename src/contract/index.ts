/**
 * `spillway/contract`: what an author of a backend or a cloud handler needs,
 * and nothing an application needs. The versioned envelopes, the value and
 * error codecs, task-module hashing and loading, the runtime that executes
 * one envelope (the same one the local workers and the built-in handlers
 * use), the platform constants, the `Backend` interface and the helpers the
 * built-in adapters share (signal linking, the concurrency gate, the payload
 * check, network-fault and throttle classification, optional-peer loading),
 * and the decoder's value limits.
 * @packageDocumentation
 */

export type { Backend, BackendFacts, BackendKind, BackendSnapshot, InvokedFunction, InvokeOptions } from '../backends/backend.js';
export type { ConcurrencyGate, ReleaseSlot, ScalingRamp } from '../backends/concurrency-gate.js';
export { createConcurrencyGate } from '../backends/concurrency-gate.js';
export type { HandlerModule, HandlerModuleOptions, HandlerTaskModule } from '../backends/handler-module.js';
export { explicitBundleHash, openHandlerModule } from '../backends/handler-module.js';
export type { LinkedSignal } from '../backends/link-signals.js';
export { linkSignals } from '../backends/link-signals.js';
export type { NetworkFaultCode } from '../backends/network-code.js';
export { networkCode, networkFaultCode } from '../backends/network-code.js';
export type { ImportPeerOptions } from '../backends/optional-peer.js';
export { importPeer } from '../backends/optional-peer.js';
export type { EncodedEnvelope, PayloadLimit } from '../backends/payload-check.js';
export { encodeWithinLimit } from '../backends/payload-check.js';
export { withPayloadRefs } from '../backends/payload-ref-runtime.js';
export type { PayloadChunks, PayloadStore, PayloadStoreOptions, StorageRequestPricing, StorageRequests } from '../backends/payload-store.js';
export type { PreparedEnvelope, SpillLimits } from '../backends/spill.js';
export { inlineEnvelope, prepareEnvelope } from '../backends/spill.js';
export type { ThrottledError } from '../backends/throttled-error.js';
export { throttledError } from '../backends/throttled-error.js';
export type { BinaryParts } from './binary.js';
export type { EncodedParts } from './codec.js';
export { assertSerializable, deserialize, encodeValue, serialize, serializeParts } from './codec.js';
export type { InProcessBinary } from './envelope.js';
export { ENVELOPE_VERSION, EncodedError, ErrorKind, PayloadRef, ResultEnvelope, TaskEnvelope, WARM_UP_TASK } from './envelope.js';
export { decodeError, encodeError } from './error-codec.js';
export { BUNDLE_HASH_ENV, MAX_LOG_BYTES, MAX_TIMEOUT_MS, NODE_RUNTIMES } from './platform.js';
export type { ExecuteOptions, Runtime, RuntimeOptions } from './runtime.js';
export { createRuntime } from './runtime.js';
export type { TaskLogLine, TaskLogStream, TaskLogs } from './task-log.js';
export type { TaskModuleLocation, TaskRegistry } from './task-module.js';
export { createTaskRegistry, toModuleUrl } from './task-module.js';
export { hashTaskModule, loadTaskModule } from './task-module-load.js';
export { ELEMENTS_PER_ENCODED_BYTE, elementBudget, MAX_ARRAY_LENGTH, MAX_VALUE_DEPTH, MAX_VALUE_ELEMENTS, MIN_ELEMENT_BUDGET } from './value-limits.js';
