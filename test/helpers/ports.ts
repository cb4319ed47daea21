// The one way tests pick a port for a program that takes its port as a flag (Prometheus, docker-registry, the
// test cluster's components). The port is free when found and bound a moment later by another process, so
// another program can take it in between: every caller retries when its program exits with "address already
// in use" (test/patterns.test.ts holds each caller to that).
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
