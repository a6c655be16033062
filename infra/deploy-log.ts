/** The progress sink of the deploy scripts: one line per step. */

/** Receives one progress line per step ("creating function…", "alias live → 3"). */
export type DeployLog = (line: string) => void;

/** A log that drops every line. */
export const silentLog: DeployLog = () => {};
