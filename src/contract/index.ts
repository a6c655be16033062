/** The task-serialization contract: envelopes, value codec and error codec. */
export { ENVELOPE_VERSION, TaskEnvelope, ResultEnvelope, ErrorKind, EncodedError } from './envelope.js';
export { assertSerializable, serialize, deserialize, encodeValue } from './codec.js';
export { encodeError, decodeError } from './error-codec.js';
