// The one way sparklane runs a child process (spark-submit, uv, token commands). Each child runs in its own
// process group, so an abort (Ctrl-C reaches us as an aborted signal), a timeout or the child's own exit ends
// the whole tree (spark-submit -> JVM -> Python workers; sh -c -> its commands), not just the direct child.
// A missing program is always the same error: UserError (exit 2) naming it, with the caller's install hint.
import { spawn } from "node:child_process";
import { InfraError, InterruptedError, UserError } from "../errors.js";

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Every output line (stdout and stderr interleaved as they arrive), without the newline. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Time between SIGTERM and SIGKILL on abort. */
  readonly killGraceMs?: number;
  /** Ends the process group after this long and rejects with InfraError. */
  readonly timeoutMs?: number;
  /** How to get the program when it is missing (default: check that it is installed and on PATH). */
  readonly installHint?: string;
  /** The program's name in errors (default: `cmd`). */
  readonly name?: string;
}

export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines of output, for error messages. */
  readonly tail: readonly string[];
  readonly pid: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

const TAIL_LINES = 400;

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // the group is already gone
  }
}

/**
 * Runs `cmd args` to completion. Resolves with the exit status (non-zero is not an error here: callers decide).
 * Rejects with InterruptedError when `signal` aborts, after the whole process group has exited.
 */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new InterruptedError());
      return;
    }
    const startedAt = Date.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const tail: string[] = [];
    const pending = { stdout: "", stderr: "" };
    const push = (line: string, stream: "stdout" | "stderr"): void => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      opts.onLine?.(line, stream);
    };
    const onData = (stream: "stdout" | "stderr") => (chunk: Buffer) => {
      const text = pending[stream] + chunk.toString("utf8");
      const lines = text.split("\n");
      pending[stream] = lines.pop() ?? "";
      for (const line of lines) push(line.replace(/\r$/, ""), stream);
    };
    child.stdout.on("data", onData("stdout"));
    child.stderr.on("data", onData("stderr"));

    const name = opts.name ?? cmd;
    let stopped: "abort" | "timeout" | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = (why: "abort" | "timeout"): void => {
      if (stopped || child.pid === undefined) return;
      stopped = why;
      killGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), opts.killGraceMs ?? 5000);
    };
    const onAbort = (): void => stop("abort");
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    const timeout =
      opts.timeoutMs !== undefined ? setTimeout(() => stop("timeout"), opts.timeoutMs) : undefined;
    const done = (): void => {
      opts.signal?.removeEventListener("abort", onAbort);
      if (timeout) clearTimeout(timeout);
    };

    child.on("error", (err: NodeJS.ErrnoException) => {
      done();
      reject(
        err.code === "ENOENT"
          ? new UserError(
              `${name} was not found`,
              opts.installHint ?? "check that it is installed and on PATH",
            )
          : new UserError(`could not start ${name}: ${err.message}`, opts.installHint),
      );
    });
    child.on("close", (code, sig) => {
      done();
      for (const stream of ["stdout", "stderr"] as const) if (pending[stream]) push(pending[stream], stream);
      if (killTimer) clearTimeout(killTimer);
      // The direct child may exit before its descendants; make sure none outlive us.
      if (child.pid !== undefined) killGroup(child.pid, stopped ? "SIGKILL" : "SIGTERM");
      if (stopped === "abort") {
        reject(new InterruptedError());
        return;
      }
      if (stopped === "timeout") {
        reject(new InfraError(`${name} did not finish within ${opts.timeoutMs} ms and was stopped`));
        return;
      }
      resolve({ code, signal: sig, tail, pid: child.pid!, startedAt, endedAt: Date.now() });
    });
  });
}
