/**
 * Where the CLI writes: progress and diagnostics on stderr, results on
 * stdout (a table or summary lines, or one JSON document with `--json`), so
 * `spillway … --json | jq` sees only the result.
 */

/** One progress line, on stderr. */
export function progress(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Result text, on stdout. */
export function result(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A result as one JSON document, on stdout. */
export function resultJson(value: unknown): void {
  result(JSON.stringify(value, null, 2));
}
