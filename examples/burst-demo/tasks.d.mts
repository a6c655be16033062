import type { Offloadable } from 'spillway/task';
export declare const digest: Offloadable<{ text: string; rounds: number }, string>;
