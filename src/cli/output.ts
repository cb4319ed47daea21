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
export function formatError(err: unknown, env: NodeJS.ProcessEnv = process.env): string {
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
  const head = `error: unexpected internal failure (this is a bug in sparklane, please report it): ${e.message}\n`;
  if (!debugEnabled(env)) return `${head}  hint: set SPARKLANE_DEBUG=1 to see the stack trace\n`;
  return `${head}${traceOf(e)}\n`;
}

/** SPARKLANE_DEBUG set to anything but empty or 0. */
export function debugEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.SPARKLANE_DEBUG;
  return v !== undefined && v !== "" && v !== "0";
}

/** The stack, then each `cause` in turn: the cause is usually where the fault is (a wrapped fs or API error). */
function traceOf(e: Error): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && depth < 5; depth++) {
    if (cur instanceof Error) {
      parts.push(`${depth === 0 ? "" : "caused by: "}${cur.stack ?? `${cur.name}: ${cur.message}`}`);
      cur = cur.cause;
    } else {
      parts.push(`caused by: ${typeof cur === "string" ? cur : JSON.stringify(cur)}`);
      cur = undefined;
    }
  }
  return parts.join("\n");
}

/**
 * The same errors as data, for `--output json`: what the text says, on stdout where the JSON result would have
 * been, so a script reading stdout always gets one JSON document.
 */
export function errorAsJson(err: unknown): object {
  const exitCode = exitCodeFor(err);
  if (err instanceof ValidationError)
    return { ok: false, exitCode, error: err.name, step: err.step, message: err.message, issues: err.issues };
  if (err instanceof UserError || err instanceof InfraError)
    return {
      ok: false,
      exitCode,
      error: err.name,
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  if (err instanceof JobFailedError || err instanceof InterruptedError)
    return { ok: false, exitCode, error: err.name, message: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { ok: false, exitCode, error: "InternalError", message: `unexpected internal failure: ${message}` };
}

// Errors whose command already printed its JSON result (a failed run's report, a failed submit's result), so
// the error boundary does not print a second document.
const reported = new WeakSet<object>();

export function markReportedAsJson(err: unknown): void {
  if (typeof err === "object" && err !== null) reported.add(err);
}

export function wasReportedAsJson(err: unknown): boolean {
  return typeof err === "object" && err !== null && reported.has(err);
}

/** Commander collects repeatable flags with this. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
