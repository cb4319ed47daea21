// deploy/ivy-sidecar: the Helm values mount the settings folder (never a subPath) in the sidecar and
// read-only in the controller, keep the base values' volumes (Helm replaces lists), and the sidecar's
// and the driver init container's own command lines really run against a CodeArtifact endpoint.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import { binPath, repoRoot, runCli } from "../helpers/cli.js";
import { awsTestEnv, startCodeArtifactServer, type CaServer } from "./codeartifact-server.js";
import { startMavenServer, type MavenServer } from "./maven-server.js";

const deploy = (...p: string[]) => join(repoRoot, "deploy", ...p);
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
interface Container {
  name: string;
  command: string[];
  volumeMounts: Mount[];
}
const values = parse(readFileSync(deploy("ivy-sidecar", "values.yaml"), "utf8")) as {
  controller: { sidecars: Container[]; volumes: { name: string }[]; volumeMounts: Mount[] };
};
const sidecar = values.controller.sidecars.find((c) => c.name === "ivy-settings")!;
const flag = (cmd: string[], name: string) => cmd[cmd.indexOf(name) + 1]!;

let ca: CaServer;
let maven: MavenServer;
let tmp: string;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "sparklane-ivy-deploy-"));
  maven = await startMavenServer({
    token: "tok-deploy",
    realm: "dom/jars",
    coordinate: { group: "g", artifact: "a", version: "1" },
  });
  ca = await startCodeArtifactServer({
    token: "tok-deploy",
    expiration: Date.now() / 1000 + 43_200,
    repositoryEndpoint: maven.url,
  });
});
after(async () => {
  await ca?.close();
  await maven?.close();
  rmSync(tmp, { recursive: true, force: true });
});

test("the settings folder is shared as a folder: no subPath, read-only in the controller, --out inside it", () => {
  const all = [...sidecar.volumeMounts, ...values.controller.volumeMounts];
  assert.ok(
    all.every((m) => m.subPath === undefined),
    "a subPath mount never sees the renamed file",
  );
  const out = flag(sidecar.command, "--out");
  const writer = sidecar.volumeMounts.find((m) => dirname(out) === m.mountPath)!;
  assert.ok(writer && !writer.readOnly, "the sidecar writes the folder holding --out");
  const reader = values.controller.volumeMounts.find((m) => m.name === writer.name)!;
  assert.equal(reader.readOnly, true);
  assert.equal(
    join(reader.mountPath, out.slice(writer.mountPath.length)),
    "/app/ivysettings.xml",
    "the controller sees the file at the spark.jars.ivySettings path",
  );
  const cache = values.controller.volumeMounts.find(
    (m) => m.mountPath === flag(sidecar.command, "--cache-dir"),
  )!;
  assert.ok(cache && !cache.readOnly, "spark.jars.ivy is writable in the controller");
  assert.ok(values.controller.volumes.some((v) => v.name === writer.name));
});

test(
  "Helm replaces lists: the base values' controller volumes and mounts are all kept",
  { skip: existsSync(deploy("spark-operator", "values.yaml")) ? false : "no base values" },
  () => {
    const base = parse(readFileSync(deploy("spark-operator", "values.yaml"), "utf8")) as {
      controller: { volumes: { name: string }[]; volumeMounts: Mount[] };
    };
    for (const v of base.controller.volumes)
      assert.ok(
        values.controller.volumes.some((x) => x.name === v.name),
        v.name,
      );
    for (const m of base.controller.volumeMounts)
      assert.ok(
        values.controller.volumeMounts.some((x) => x.name === m.name && x.mountPath === m.mountPath),
        m.name,
      );
  },
);

test("the IAM policy grants exactly the three calls, bearer token scoped to CodeArtifact", () => {
  const policy = JSON.parse(readFileSync(deploy("ivy-sidecar", "iam-policy.json"), "utf8")) as {
    Statement: { Action: string | string[]; Condition?: object }[];
  };
  const actions = policy.Statement.flatMap((s) => s.Action);
  for (const a of [
    "codeartifact:GetAuthorizationToken",
    "codeartifact:GetRepositoryEndpoint",
    "sts:GetServiceBearerToken",
  ])
    assert.ok(actions.includes(a), a);
  assert.deepEqual(policy.Statement.find((s) => s.Action === "sts:GetServiceBearerToken")!.Condition, {
    StringEquals: { "sts:AWSServiceName": "codeartifact.amazonaws.com" },
  });
});

function fill(cmd: string[], out: string): string[] {
  const subst: Record<string, string> = {
    "<domain>": "dom",
    "<account-id>": "111122223333",
    "<repository>": "jars",
    "<region>": "eu-west-1",
  };
  const args = cmd.slice(1).map(
    (a) =>
      subst[a] ??
      a.replace(
        /\{\{ var\.value\.get\('sparklane_(\w+)'\) \}\}/,
        (_m, k: string) =>
          ({
            codeartifact_domain: "dom",
            codeartifact_owner: "111122223333",
            codeartifact_repository: "jars",
            aws_region: "eu-west-1",
          })[k]!,
      ),
  );
  args[args.indexOf("--out") + 1] = out;
  return [...args, "--endpoint-url", ca.url];
}

test(
  "the sidecar's command line, as deployed, becomes healthy and stops on SIGTERM",
  { timeout: 60_000 },
  async () => {
    assert.equal(sidecar.command[0], "sparklane");
    mkdirSync(join(tmp, "app"));
    const out = join(tmp, "app", "ivysettings.xml");
    const args = fill(sidecar.command, out);
    args[args.indexOf("--listen") + 1] = "127.0.0.1:0";
    const child = spawn(process.execPath, [binPath, ...args, "--start-jitter", "0"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...awsTestEnv },
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    try {
      const end = Date.now() + 30_000;
      while (!existsSync(out) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
      const base = /"serving":"(http:\/\/[^ ]+)\/healthz/.exec(stderr)?.[1];
      assert.ok(base, stderr);
      assert.equal((await fetch(`${base}/healthz`)).status, 200, stderr);
      assert.match(
        readFileSync(out, "utf8"),
        /<credentials host="127.0.0.1" realm="dom\/jars" username="aws" passwd="tok-deploy"\/>/,
      );
    } finally {
      child.kill("SIGTERM");
    }
    assert.equal(await new Promise<number | null>((r) => child.on("close", (c) => r(c))), 0, stderr);
  },
);

test("the driver init container's one-shot command writes /app/ivysettings.xml", async () => {
  const init = (
    parse(readFileSync(deploy("ivy-sidecar", "driver-init-container.yaml"), "utf8")) as Container[]
  )[0]!;
  assert.equal(flag(init.command, "--out"), "/app/ivysettings.xml");
  assert.equal(init.volumeMounts[0]!.mountPath, "/app");
  mkdirSync(join(tmp, "driver"));
  const out = join(tmp, "driver", "ivysettings.xml");
  const r = await runCli(fill(init.command, out), { env: awsTestEnv });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^wrote /);
  assert.equal(ca.requests.at(-1)!.query.duration, "900");
});
