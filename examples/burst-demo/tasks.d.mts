import type { Offloadable } from 'spillway';
export declare const digest: Offloadable<{ text: string; rounds: number }, string>;
