// Formatting of results and errors for humans and for `--output json`. Only src/cli prints.
import {
  ExitCode,
  InternalError,
  UserError,
  ValidationError,
  InfraError,
  JobFailedError,
  InterruptedError,
} from "../errors.js";

export function exitCodeFor(err: unknown): number {
  if (
    err instanceof UserError ||
    err instanceof InfraError ||
    err instanceof JobFailedError ||
    err instanceof InterruptedError
  ) {
    return err.exitCode;
  }
  return ExitCode.failed;
}

/** One line per problem, `error: <where>: <message>` plus an indented hint; never a stack trace. */
export function formatError(err: unknown): string {
  if (err instanceof ValidationError) {
    const lines = err.issues.map(
      (i) => `error: ${i.where}: ${i.message}${i.hint ? `\n  hint: ${i.hint}` : ""}`,
    );
    return `${lines.join("\n")}\n${err.step}: ${err.issues.length} problem${err.issues.length === 1 ? "" : "s"}, nothing was written\n`;
  }
  if (err instanceof UserError || err instanceof InfraError) {
    return `error: ${err.message}\n${err.hint ? `  hint: ${err.hint}\n` : ""}`;
  }
  if (err instanceof JobFailedError || err instanceof InterruptedError) {
    return `error: ${err.message}\n`;
  }
  const e = err instanceof Error ? err : new InternalError(String(err));
  const detail = process.env.SPARKLANE_DEBUG ? `\n${e.stack ?? ""}` : "";
  return (
    `error: unexpected internal failure (this is a bug in sparklane, please report it): ${e.message}${detail}\n` +
    `  hint: set SPARKLANE_DEBUG=1 to see the stack trace\n`
  );
}

/** The same errors as data, for `--output json`. */
export function errorAsJson(err: unknown): object {
  if (err instanceof ValidationError) return { ok: false, step: err.step, issues: err.issues };
  if (err instanceof Error)
    return { ok: false, error: err.name, message: err.message, hint: (err as UserError).hint };
  return { ok: false, message: String(err) };
}

/** Commander collects repeatable flags with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
