/**
 * The documented caps on values that cross a boundary. The caller refuses a
 * value over them before encoding (SerializationError naming the path) and
 * every decoder (caller, local worker, both cloud handlers) checks them on
 * the encoded text before it allocates anything, so a small request cannot
 * make a backend build a huge value.
 */

/** Containers (arrays, objects, Map, Set) may be nested at most this deep. */
export const MAX_VALUE_DEPTH = 1000;

/** No array may be longer than this (2^24 elements), holes included. */
export const MAX_ARRAY_LENGTH = 2 ** 24;

/** Elements a value may expand to, whatever its encoded size (2^24): every array slot, hole, entry and shared reference counted each time it is reached. */
export const MAX_VALUE_ELEMENTS = 2 ** 24;

/** Elements a value may expand to per byte of its encoding, on top of {@link MIN_ELEMENT_BUDGET}. */
export const ELEMENTS_PER_ENCODED_BYTE = 16;

/** Elements every value may expand to, however short its encoding. */
export const MIN_ELEMENT_BUDGET = 65_536;

/**
 * Elements a value encoded in `encodedLength` characters may expand to:
 * {@link MIN_ELEMENT_BUDGET} + {@link ELEMENTS_PER_ENCODED_BYTE} per
 * character, at most {@link MAX_VALUE_ELEMENTS}. Dense data always fits
 * (each element takes at least one character); sparse arrays and values
 * that reference one large part many times are what it bounds.
 */
export function elementBudget(encodedLength: number): number {
  return Math.min(MAX_VALUE_ELEMENTS, MIN_ELEMENT_BUDGET + ELEMENTS_PER_ENCODED_BYTE * encodedLength);
}
