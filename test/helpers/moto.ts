// A real S3 protocol server for tests: Python moto in server mode on a loopback port it binds itself, with dummy
// credentials. start() waits until it answers; stop() ends the process and waits for it to exit.
import { spawn, type ChildProcess } from "node:child_process";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";

export const MOTO_ENV = {
  AWS_ACCESS_KEY_ID: "testing",
  AWS_SECRET_ACCESS_KEY: "testing",
  AWS_REGION: "us-east-1",
  AWS_EC2_METADATA_DISABLED: "true",
} as const;

export class MotoServer {
  private child?: ChildProcess;
  endpoint = "";

  async start(timeoutMs = 60_000): Promise<this> {
    // moto binds port 0 itself and prints the port it got: no window between choosing a port and binding it,
    // in which another test could take it.
    let output = "";
    const child = spawn("moto_server", ["-H", "127.0.0.1", "-p", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr!.on("data", (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`moto_server exited early (${child.exitCode}):\n${output}`);
      const port = /Running on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) {
        this.endpoint = `http://127.0.0.1:${port}`;
        try {
          const res = await fetch(`${this.endpoint}/moto-api/`);
          if (res.status < 500) return this;
        } catch {
          // bound, not answering yet
        }
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`moto_server did not answer within ${timeoutMs} ms:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  client(): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      forcePathStyle: true,
      region: MOTO_ENV.AWS_REGION,
      credentials: {
        accessKeyId: MOTO_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: MOTO_ENV.AWS_SECRET_ACCESS_KEY,
      },
    });
  }

  async createBucket(name: string): Promise<void> {
    const c = this.client();
    try {
      await c.send(new CreateBucketCommand({ Bucket: name }));
    } finally {
      c.destroy();
    }
  }

  /** Environment for a CLI child process talking to this server. */
  env(): NodeJS.ProcessEnv {
    return { ...MOTO_ENV, AWS_ENDPOINT_URL_S3: this.endpoint };
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill("SIGTERM");
    });
  }
}
