import type { Offloadable } from 'spillway/task';
/** Derives a 64-byte scrypt key and returns it as hex. */
export declare const hashPassword: Offloadable<{ password: string; salt: string; log2Cost: number }, string>;
