/**
 * Rendezvous (highest-random-weight) hashing of affinity keys onto worker
 * slots: a key goes to the live slot with the highest score, so a slot that
 * leaves moves only its own keys.
 */

/** FNV-1a of a string, 32 bits. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return hash >>> 0;
}

/** The rendezvous score of a key's hash on a slot (murmur3's finalizer over both). */
export function score(keyHash: number, slot: number): number {
  let mixed = keyHash ^ Math.imul(slot + 1, 0x9e3779b9);
  mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}
