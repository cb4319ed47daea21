// Child processes for local runs: each runs in its own process group, so an abort (Ctrl-C) ends the whole
// tree (spark-submit -> JVM -> Python driver -> Python workers), not just the direct child.
import { spawn } from "node:child_process";
import { InterruptedError, UserError } from "../errors.js";

export interface RunOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** Every output line (stdout and stderr interleaved as they arrive), without the newline. */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
  /** Time between SIGTERM and SIGKILL on abort. */
  readonly killGraceMs?: number;
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

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      if (aborted || child.pid === undefined) return;
      aborted = true;
      killGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child.pid!, "SIGKILL"), opts.killGraceMs ?? 5000);
    };
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    child.on("error", (err: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener("abort", onAbort);
      reject(
        err.code === "ENOENT"
          ? new UserError(`${cmd} was not found`, "check that it is installed and on PATH")
          : new UserError(`could not start ${cmd}: ${err.message}`),
      );
    });
    child.on("close", (code, sig) => {
      opts.signal?.removeEventListener("abort", onAbort);
      for (const stream of ["stdout", "stderr"] as const) if (pending[stream]) push(pending[stream], stream);
      if (killTimer) clearTimeout(killTimer);
      // The direct child may exit before its descendants; make sure none outlive us.
      if (child.pid !== undefined) killGroup(child.pid, aborted ? "SIGKILL" : "SIGTERM");
      if (aborted) {
        reject(new InterruptedError());
        return;
      }
      resolve({ code, signal: sig, tail, pid: child.pid!, startedAt, endedAt: Date.now() });
    });
  });
}
