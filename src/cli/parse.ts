// Commander argument parsers shared by several commands. Commander reports the thrown message as a usage
// error, exit 2, naming the option.
import { InvalidArgumentError } from "commander";

/** A duration in seconds, greater than 0. */
export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a number of seconds greater than 0, found "${value}"`);
  return n;
}

/** A finite number greater than 0. */
export function positive(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError(`expected a positive number, found "${value}"`);
  return n;
}

/** A TCP port; 0 asks the system for any free one. */
export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0-65535, found "${value}"`);
  return n;
}
