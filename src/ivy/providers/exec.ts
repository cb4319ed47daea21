import { InfraError, InterruptedError } from "../../errors.js";
import { runProcess } from "../../runtime/process.js";
import { parseTokenOutput, redactSecrets, type Token } from "../token.js";
import type { TokenProvider } from "./types.js";

const MAX_OUTPUT = 64 * 1024;

/**
 * Runs a command through `/bin/sh -c` and reads the token from its stdout (bare, or JSON with an
 * expiry). The token travels over a pipe, never through anyone's argv. A failing command's stderr is
 * quoted in the error, with its stdout and the last token it gave removed, in case it echoes them.
 * The shared runner ends the command's whole process group on abort, so nothing it started lingers.
 */
export function execProvider(command: string, env: NodeJS.ProcessEnv = process.env): TokenProvider {
  const name = "exec";
  let last: string | undefined;
  return {
    name,
    async fetch(signal: AbortSignal): Promise<Token> {
      const kept = { stdout: [] as string[], stderr: [] as string[] };
      const size = { stdout: 0, stderr: 0 };
      let result;
      try {
        result = await runProcess("/bin/sh", ["-c", command], {
          env,
          signal,
          killGraceMs: 0,
          name: "token command",
          onLine: (line, stream) => {
            if (size[stream] >= MAX_OUTPUT) return;
            size[stream] += line.length + 1;
            kept[stream].push(line);
          },
        });
      } catch (e) {
        if (e instanceof InterruptedError)
          throw new InfraError(
            `token command was stopped: ${signal.reason instanceof Error ? signal.reason.message : "aborted"}`,
          );
        throw new InfraError(`token command could not start (${(e as Error).message})`);
      }
      const out = kept.stdout.join("\n");
      if (result.code !== 0) {
        const tail = redactSecrets(kept.stderr.join("\n").trim(), [out.trim(), last])
          .split("\n")
          .slice(-3)
          .join(" | ")
          .slice(-400);
        throw new InfraError(
          `token command exited with ${result.code ?? result.signal}${tail ? `: ${tail}` : ""}`,
          "run --token-command by hand to see why",
        );
      }
      const token = parseTokenOutput(name, out);
      last = token.value;
      return token;
    },
  };
}
