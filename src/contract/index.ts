/** The task-serialization contract: envelopes, value codec and error codec. */

export { assertSerializable, deserialize, encodeValue, serialize } from './codec.js';
export { ENVELOPE_VERSION, EncodedError, ErrorKind, ResultEnvelope, TaskEnvelope } from './envelope.js';
export { decodeError, encodeError } from './error-codec.js';
