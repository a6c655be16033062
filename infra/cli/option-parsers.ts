/** commander argument parsers shared by the infra commands: each refuses bad input with a message naming the expected form. */
import { InvalidArgumentError } from 'commander';

/** Parses a whole number, e.g. `--memory 1024`. */
export function parseInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`Expected a whole number, got "${value}".`);
  return Number(value);
}

/** Collects repeated `--env KEY=VALUE` options into a record. */
export function collectEnv(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const index = value.indexOf('=');
  if (index <= 0) throw new InvalidArgumentError(`Expected KEY=VALUE, got "${value}".`);
  return { ...previous, [value.slice(0, index)]: value.slice(index + 1) };
}
