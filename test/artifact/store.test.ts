import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { runCli } from "../helpers/cli.js";
import { MOTO_ENV, MotoServer } from "../helpers/moto.js";
import { openStore } from "../../src/artifact/open.js";
import { retrying, retryPolicy } from "../../src/artifact/store.js";
import { nearest } from "../../src/artifact/remote.js";
import { InfraError } from "../../src/errors.js";
import { copyFixture, fixtureProject, tempDir } from "./helpers.js";

test("retrying: bounded attempts with growing, capped backoff, then an InfraError naming the store and last error", async () => {
  const waits: number[] = [];
  let calls = 0;
  const policy = retryPolicy({
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 250,
    random: () => 1,
    sleep: async (ms) => void waits.push(ms),
  });
  await assert.rejects(
    retrying("s3://b/p", "reading x", policy, async () => {
      calls++;
      throw new Error(`boom ${calls}`);
    }),
    (err: unknown) =>
      err instanceof InfraError &&
      /s3:\/\/b\/p: reading x failed after 4 attempts; last error: boom 4/.test(err.message),
  );
  assert.equal(calls, 4);
  assert.deepEqual(waits, [100, 200, 250]);
  let n = 0;
  assert.equal(
    await retrying("s", "w", policy, async () => (++n < 3 ? Promise.reject(new Error("flaky")) : "ok")),
    "ok",
  );
});

test("nearest: versions closest to the one asked for come first", () => {
  assert.deepEqual(nearest("1.2.O", ["0.9.0", "1.2.0", "1.2.1", "2.0.0", "1.10.0", "1.3.0", "1.2.10"], 3), [
    "1.2.0",
    "1.2.1",
    "1.2.10",
  ]);
});

test("openStore: refuses unknown schemes, credentials in URIs and relative file URIs (exit 2)", async () => {
  await assert.rejects(openStore("gs://b/p"), /unsupported scheme 'gs:'/);
  await assert.rejects(openStore("s3://key:secret@bucket/p"), /credentials in the store URI/);
  await assert.rejects(openStore("file://relative/dir"), /absolute path/);
  await assert.rejects(openStore("s3://UPPER_bucket/p"), /not a valid S3 bucket name/);
});

// The same publish contract against both kinds of store.
const moto = new MotoServer();
let motoUp = false;
before(async () => {
  // The in-process S3 client reads credentials from the environment, as it would in a pod.
  Object.assign(process.env, MOTO_ENV);
  await moto.start();
  await moto.createBucket("artifacts");
  motoUp = true;
});
after(() => moto.stop());

for (const kind of ["s3", "file"] as const) {
  describe(`publish to ${kind}://`, () => {
    const setup = (t: {
      after: (fn: () => void) => void;
    }): { store: string; env: NodeJS.ProcessEnv; root: string } => {
      const root = tempDir(t);
      if (kind === "file") return { store: `file://${join(root, "store")}`, env: {}, root };
      assert.ok(motoUp);
      return { store: `s3://artifacts/run-${Math.random().toString(36).slice(2)}`, env: moto.env(), root };
    };

    test("publish --latest uploads under <project>/<version>/ and moves latest; same content again is a no-op", async (t) => {
      const { store, env } = setup(t);
      const first = await runCli(
        ["publish", "--project", fixtureProject, "--version", "1.0.0", "--store", store, "--latest"],
        { env },
      );
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, new RegExp(`published tiny-etl 1.0.0 -> ${store}/tiny-etl/1.0.0/`));
      assert.match(first.stdout, /latest -> 1\.0\.0/);
      const s = await openStore(store, { env: { ...process.env, ...env } });
      const manifest = JSON.parse((await s.get("tiny-etl/1.0.0/manifest.json"))!.toString());
      assert.equal(manifest.version, "1.0.0");
      const archive = (await s.get("tiny-etl/1.0.0/artifact.tar.gz"))!;
      assert.equal(archive.length, manifest.archive.size);
      assert.equal(JSON.parse((await s.get("tiny-etl/latest.json"))!.toString()).version, "1.0.0");

      const again = await runCli(
        ["publish", "--project", fixtureProject, "--version", "1.0.0", "--store", store],
        { env },
      );
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /already published \(same content\)/);
    });

    test("publish refuses to overwrite a version with different content (exit 2), and latest stays put", async (t) => {
      const { store, env, root } = setup(t);
      assert.equal(
        (
          await runCli(
            ["publish", "--project", fixtureProject, "--version", "1.0.0", "--store", store, "--latest"],
            { env },
          )
        ).code,
        0,
      );
      const changed = copyFixture(join(root, "changed"));
      writeFileSync(join(changed, "common", "__init__.py"), "# changed\n");
      const r = await runCli(
        ["publish", "--project", changed, "--version", "1.0.0", "--store", store, "--latest"],
        { env },
      );
      assert.equal(r.code, 2);
      assert.match(r.stderr, /version 1\.0\.0 of tiny-etl is already published .* with different content/);
      assert.match(r.stderr, /bump --version/);
      const ok = await runCli(["publish", "--project", changed, "--version", "1.0.1", "--store", store], {
        env,
      });
      assert.equal(ok.code, 0, ok.stderr);
      const s = await openStore(store, { env: { ...process.env, ...env } });
      assert.equal(
        JSON.parse((await s.get("tiny-etl/latest.json"))!.toString()).version,
        "1.0.0",
        "no --latest: pointer unchanged",
      );
    });

    test("publish --artifact ships the bytes `package` wrote", async (t) => {
      const { store, env, root } = setup(t);
      const out = join(root, "a.tar.gz");
      assert.equal(
        (await runCli(["package", "--project", fixtureProject, "--version", "3.0.0", "--out", out])).code,
        0,
      );
      const r = await runCli(["publish", "--artifact", out, "--version", "3.0.0", "--store", store], { env });
      assert.equal(r.code, 0, r.stderr);
      const s = await openStore(store, { env: { ...process.env, ...env } });
      assert.ok((await s.get("tiny-etl/3.0.0/artifact.tar.gz"))!.equals(readFileSync(out)));
      // What package wrote, published as is, bootstraps: the embedded and published manifests agree.
      const boot = await runCli(
        [
          "bootstrap",
          "--store",
          store,
          "--project-name",
          "tiny-etl",
          "--version",
          "3.0.0",
          "--mode",
          "code-only",
          "--app-dir",
          join(root, "app"),
        ],
        { env },
      );
      assert.equal(boot.code, 0, boot.stderr);
      assert.ok(existsSync(join(root, "app", "etl", "visits_distinct", "visits_distinct_daily.py")));
      const mismatch = await runCli(["publish", "--artifact", out, "--version", "3.0.1", "--store", store], {
        env,
      });
      assert.equal(mismatch.code, 2);
      assert.match(mismatch.stderr, /holds version 3\.0\.0, but --version is 3\.0\.1/);
    });
  });
}

test("an interrupted publish (archive without manifest) is not a version, and publishing again completes it", async (t) => {
  const root = tempDir(t);
  const store = `file://${join(root, "store")}`;
  const s = await openStore(store);
  await s.prepareWrite?.();
  await s.put("tiny-etl/1.0.0/artifact.tar.gz", Buffer.from("partial upload"));
  const boot = await runCli([
    "bootstrap",
    "--store",
    store,
    "--project-name",
    "tiny-etl",
    "--version",
    "1.0.0",
    "--app-dir",
    join(root, "app"),
  ]);
  assert.equal(boot.code, 2);
  assert.match(boot.stderr, /version 1\.0\.0 of tiny-etl is not published/);
  const r = await runCli(["publish", "--project", fixtureProject, "--version", "1.0.0", "--store", store]);
  assert.equal(r.code, 0, r.stderr);
  assert.notEqual((await s.get("tiny-etl/1.0.0/artifact.tar.gz"))!.toString(), "partial upload");
});

test("S3 objects are readable by other S3 clients (real protocol, path-style endpoint)", async (t) => {
  const root = tempDir(t);
  const store = "s3://artifacts/interop";
  assert.equal(
    (
      await runCli(["publish", "--project", fixtureProject, "--version", "9.9.9", "--store", store], {
        env: moto.env(),
      })
    ).code,
    0,
  );
  const c = moto.client();
  t.after(() => c.destroy());
  const got = await c.send(
    new GetObjectCommand({ Bucket: "artifacts", Key: "interop/tiny-etl/9.9.9/manifest.json" }),
  );
  assert.equal(JSON.parse(await got.Body!.transformToString()).project, "tiny-etl");
  assert.ok(!existsSync(join(root, "anything")));
});

test("unreachable store: exit 3 after bounded retries, naming the store and the last error", async (t) => {
  const root = tempDir(t);
  const env = { ...moto.env(), AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9" };
  const r = await runCli(
    [
      "publish",
      "--project",
      fixtureProject,
      "--version",
      "1.0.0",
      "--store",
      "s3://artifacts/x",
      "--retries",
      "2",
    ],
    { env },
  );
  assert.equal(r.code, 3);
  assert.match(
    r.stderr,
    /store s3:\/\/artifacts\/x \(endpoint http:\/\/127\.0\.0\.1:9\): reading tiny-etl\/1\.0\.0\/manifest\.json failed after 2 attempts; last error: .*ECONNREFUSED/,
  );
  const b = await runCli(
    [
      "bootstrap",
      "--store",
      "s3://artifacts/x",
      "--project-name",
      "tiny-etl",
      "--app-dir",
      join(root, "app"),
      "--retries",
      "3",
    ],
    { env },
  );
  assert.equal(b.code, 3);
  assert.match(b.stderr, /failed after 3 attempts; last error: .*ECONNREFUSED/);
  assert.ok(!existsSync(join(root, "app")), "nothing created");
  const missingBucket = await runCli(
    ["publish", "--project", fixtureProject, "--version", "1.0.0", "--store", "s3://no-such-bucket/x"],
    { env: moto.env() },
  );
  assert.equal(missingBucket.code, 3);
  assert.match(missingBucket.stderr, /refused: NoSuchBucket/);
});

test("publish: --store defaults to $ARTIFACT_STORE, then to the project's var.value.sparklane_artifact_store", async (t) => {
  const root = tempDir(t);
  const proj = copyFixture(join(root, "p"));
  writeFileSync(
    join(proj, "sparklane.yaml"),
    `name: tiny-etl\nvariables:\n  sparklane_artifact_store: file://${join(root, "from-yaml")}\n`,
  );
  const fromYaml = await runCli(["publish", "--project", proj, "--version", "1.0.0"]);
  assert.equal(fromYaml.code, 0, fromYaml.stderr);
  assert.ok(existsSync(join(root, "from-yaml", "tiny-etl", "1.0.0", "manifest.json")));
  const fromEnv = await runCli(["publish", "--project", proj, "--version", "1.0.0"], {
    env: { ARTIFACT_STORE: `file://${join(root, "from-env")}` },
  });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
  assert.ok(existsSync(join(root, "from-env", "tiny-etl", "1.0.0", "manifest.json")));
  const none = await runCli(["publish", "--project", fixtureProject, "--version", "1.0.0"], {
    env: { ARTIFACT_STORE: "" },
  });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /--store is required/);
});
