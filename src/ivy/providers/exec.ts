import { spawn } from "node:child_process";
import { InfraError } from "../../errors.js";
import { parseTokenOutput, redactSecrets, type Token } from "../token.js";
import type { TokenProvider } from "./types.js";

const MAX_OUTPUT = 64 * 1024;

/**
 * Runs a command through `/bin/sh -c` and reads the token from its stdout (bare, or JSON with an
 * expiry). The token travels over a pipe, never through anyone's argv. A failing command's stderr is
 * quoted in the error, with its stdout and the last token it gave removed, in case it echoes them.
 */
export function execProvider(command: string, env: NodeJS.ProcessEnv = process.env): TokenProvider {
  const name = "exec";
  let last: string | undefined;
  return {
    name,
    fetch(signal: AbortSignal): Promise<Token> {
      return new Promise<Token>((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", command], {
          stdio: ["ignore", "pipe", "pipe"],
          env,
          signal,
          killSignal: "SIGKILL",
        });
        let out = "";
        let err = "";
        child.stdout.on("data", (d: Buffer) => {
          if (out.length < MAX_OUTPUT) out += d.toString("utf8");
        });
        child.stderr.on("data", (d: Buffer) => {
          if (err.length < MAX_OUTPUT) err += d.toString("utf8");
        });
        child.on("error", (e: NodeJS.ErrnoException) => {
          if (e.name === "AbortError")
            reject(
              new InfraError(
                `token command was stopped: ${signal.reason instanceof Error ? signal.reason.message : "aborted"}`,
              ),
            );
          else reject(new InfraError(`token command could not start (${e.code ?? e.message})`));
        });
        child.on("close", (code, sig) => {
          if (signal.aborted) return;
          if (code !== 0) {
            const tail = redactSecrets(err.trim(), [out.trim(), last])
              .split("\n")
              .slice(-3)
              .join(" | ")
              .slice(-400);
            reject(
              new InfraError(
                `token command exited with ${code ?? sig}${tail ? `: ${tail}` : ""}`,
                "run --token-command by hand to see why",
              ),
            );
            return;
          }
          try {
            const token = parseTokenOutput(name, out);
            last = token.value;
            resolve(token);
          } catch (e) {
            reject(e);
          }
        });
      });
    },
  };
}
