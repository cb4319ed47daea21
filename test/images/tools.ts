// Real image tooling for the image tests: Debian's buildah (vfs, chroot isolation), docker-registry 2.8 on
// loopback (with and without htpasswd), skopeo, and the cached stand-in base image built by
// scripts/build-test-base.sh. Each test skips with a reason when a tool is missing.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { which } from "../../src/runtime/host.js";
import { repoRoot } from "../helpers/cli.js";
import { freePort } from "../helpers/ports.js";

export const imageEnv: NodeJS.ProcessEnv = { STORAGE_DRIVER: "vfs", BUILDAH_ISOLATION: "chroot" };

const missing = ["buildah", "skopeo", "docker-registry", "debootstrap", "htpasswd"].filter((t) => !which(t));
/** false when every tool is there (and we are root, as buildah's chroot isolation needs), else the reason. */
export const imageSkip: string | false =
  process.getuid?.() !== 0
    ? "image tests need root (buildah chroot isolation)"
    : missing.length
      ? `image tests need ${missing.join(", ")} (apt-get install buildah skopeo docker-registry debootstrap apache2-utils)`
      : false;

let base: string | undefined;
/** The stand-in for apache/spark:4.0.x-python3, built once per machine (cached by its inputs). */
export function testBase(): string {
  base ??= execFileSync("bash", [join(repoRoot, "scripts", "build-test-base.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    timeout: 15 * 60_000,
  })
    .trim()
    .split("\n")
    .at(-1)!;
  return base;
}

export function buildah(args: string[], opts: { input?: string } = {}): string {
  return execFileSync("buildah", args, {
    encoding: "utf8",
    env: { ...process.env, ...imageEnv },
    input: opts.input,
    stdio: ["pipe", "pipe", "pipe"],
    maxBuffer: 64 << 20,
  });
}

export function imageExists(name: string): boolean {
  try {
    buildah(["inspect", "--type", "image", name]);
    return true;
  } catch {
    return false;
  }
}

export function skopeoLabels(ref: string, creds?: string): Record<string, string> {
  const args = ["inspect", "--tls-verify=false", ...(creds ? ["--creds", creds] : []), `docker://${ref}`];
  return (
    JSON.parse(execFileSync("skopeo", args, { encoding: "utf8" })) as { Labels: Record<string, string> }
  ).Labels;
}

export interface Registry {
  readonly host: string;
  readonly user?: string;
  readonly password?: string;
  stop(): Promise<void>;
}

/** docker-registry 2.8 on 127.0.0.1, storage in a scratch folder; htpasswd auth when `auth` is set. */
export async function startRegistry(auth?: { user: string; password: string }): Promise<Registry> {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-registry-"));
  let authYaml = "";
  if (auth) {
    const line = execFileSync("htpasswd", ["-Bbn", auth.user, auth.password], { encoding: "utf8" });
    writeFileSync(join(dir, "htpasswd"), line);
    authYaml = `auth:\n  htpasswd:\n    realm: sparklane-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  // docker-registry cannot report a port it chose itself, so a free port is picked, and may be taken before
  // the registry binds it: it then exits with "address already in use" and is started again on another.
  let child: ChildProcess | undefined;
  let host = "";
  for (let attempt = 1; !child; attempt++) {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    writeFileSync(
      join(dir, "config.yml"),
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\n  delete:\n    enabled: true\n` +
        `http:\n  addr: ${host}\n${authYaml}`,
    );
    const started: ChildProcess = spawn("docker-registry", ["serve", join(dir, "config.yml")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    started.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    for (let i = 0; i < 100; i++) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.body?.cancel();
        // Answered, and ours is still running: not another process that took the port.
        if (started.exitCode === null) child = started;
        break;
      } catch {
        if (started.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (child) break;
    started.kill("SIGKILL");
    if (!/address already in use/.test(stderr) || attempt >= 5)
      throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
  }
  return {
    host,
    user: auth?.user,
    password: auth?.password,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A tiny image (one file, one label) pushed to `dest`, for registry tests that need no Spark. */
export function pushTinyImage(dest: string, labels: Record<string, string>, creds?: string): void {
  const dir = mkdtempSync(join(tmpdir(), "sparklane-tiny-"));
  try {
    writeFileSync(join(dir, "hello.txt"), "hello\n");
    const ctr = buildah(["from", "scratch"]).trim();
    try {
      buildah(["copy", ctr, join(dir, "hello.txt"), "/hello.txt"]);
      for (const [k, v] of Object.entries(labels)) buildah(["config", "--label", `${k}=${v}`, ctr]);
      buildah(["commit", "--quiet", ctr, `localhost/sparklane-tiny:${process.pid}`]);
    } finally {
      buildah(["rm", ctr]);
    }
    buildah([
      "push",
      "--quiet",
      "--tls-verify=false",
      ...(creds ? ["--creds", creds] : []),
      `localhost/sparklane-tiny:${process.pid}`,
      `docker://${dest}`,
    ]);
    buildah(["rmi", `localhost/sparklane-tiny:${process.pid}`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Removes the images a test left in buildah's storage under a registry's name (vfs copies are large). */
export function removeImagesOf(host: string): void {
  const names = buildah(["images", "--noheading", "--format", "{{.Name}}:{{.Tag}}"])
    .split("\n")
    .filter((n) => n.startsWith(`${host}/`));
  for (const n of names) {
    try {
      buildah(["rmi", "--force", n]);
    } catch {
      // already gone
    }
  }
}
