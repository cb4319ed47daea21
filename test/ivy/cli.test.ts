// `sparklane ivy-settings` as users run it: bad input exits 2 naming the flag and writes nothing;
// the --watch sidecar serves /healthz and /metrics, survives a failing and a garbage-printing
// provider on its last good file, stops cleanly on SIGTERM, and never shows the canary token.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath, runCli } from "../helpers/cli.js";
import { remountReadOnly, tryMountTmpfs, unmount } from "./faults.js";

const CANARY = "CANARY-cli-3c9d0a7e";
let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "sparklane-ivy-cli-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const cases: [string, string[], RegExp][] = [
  ["no provider", ["--out", "X"], /--provider is required: one of codeartifact, env, file, exec/],
  [
    "unknown provider",
    ["--provider", "vault", "--out", "X"],
    /unknown --provider "vault": expected one of codeartifact, env, file, exec/,
  ],
  [
    "codeartifact without domain and repository",
    ["--provider", "codeartifact", "--domain-owner", "111122223333", "--region", "eu-west-1", "--out", "X"],
    /--provider codeartifact is missing --domain, --repository/,
  ],
  [
    "codeartifact without region",
    [
      "--provider",
      "codeartifact",
      "--domain",
      "d",
      "--domain-owner",
      "111122223333",
      "--repository",
      "r",
      "--out",
      "X",
    ],
    /missing --region/,
  ],
  [
    "a bad domain owner",
    [
      "--provider",
      "codeartifact",
      "--domain",
      "d",
      "--domain-owner",
      "me",
      "--repository",
      "r",
      "--region",
      "x",
      "--out",
      "X",
    ],
    /--domain-owner expects a 12-digit AWS account id, found "me"/,
  ],
  [
    "another provider's flag",
    ["--provider", "env", "--token-env", "T", "--token-file", "f", "--repo-url", "https://h/", "--out", "X"],
    /--token-file only applies to --provider file, not --provider env/,
  ],
  [
    "file without --token-file",
    ["--provider", "file", "--repo-url", "https://h/", "--out", "X"],
    /--provider file needs --token-file FILE/,
  ],
  [
    "no --repo-url",
    ["--provider", "env", "--token-env", "T", "--out", "X"],
    /--provider env needs --repo-url URL/,
  ],
  ["no --out", ["--provider", "env", "--token-env", "T", "--repo-url", "https://h/"], /--out is required/],
  [
    "credentials in --repo-url",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      `https://aws:${CANARY}@h.example/maven/`,
      "--out",
      "X",
    ],
    /--repo-url must not carry credentials \(https:\/\/\*\*\*@h\.example\/maven\/\)/,
  ],
  [
    "watch-only flags without --watch",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      "https://h/",
      "--out",
      "X",
      "--interval",
      "1m",
      "--listen",
      ":9",
    ],
    /--interval, --listen only make sense with --watch/,
  ],
  [
    "a bad duration",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      "https://h/",
      "--out",
      "X",
      "--watch",
      "--interval",
      "5 minutes",
    ],
    /--interval expects a duration like 30s, 5m or 1h, found "5 minutes"/,
  ],
  [
    "margin past the refresh window",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      "https://h/",
      "--out",
      "X",
      "--watch",
      "--refresh-before",
      "5m",
      "--margin",
      "10m",
    ],
    /--refresh-before \(300s\) must not be shorter than --margin \(600s\)/,
  ],
  [
    "--no-central with --central-root",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      "https://h/",
      "--out",
      "X",
      "--no-central",
      "--central-root",
      "https://m/",
    ],
    /contradict/,
  ],
  [
    "a group name",
    ["--provider", "env", "--token-env", "T", "--repo-url", "https://h/", "--out", "X", "--group", "spark"],
    /--group expects a numeric group id, found "spark"/,
  ],
  [
    "a duplicate resolver name",
    [
      "--provider",
      "env",
      "--token-env",
      "T",
      "--repo-url",
      "https://h/",
      "--out",
      "X",
      "--public-repo",
      "central=https://m/",
    ],
    /resolver name "central" is used twice/,
  ],
];

for (const [name, args, message] of cases) {
  test(`exit 2 on ${name}`, async () => {
    const r = await runCli(["ivy-settings", ...args], { cwd: tmp });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^error: /);
    assert.doesNotMatch(r.stderr, /\n\s+at |CANARY/);
    assert.equal(r.stdout, "");
    assert.ok(!existsSync(join(tmp, "X")));
  });
}

test("exit 2 naming the folder when --out's folder is missing, not a folder, or read-only", async (t) => {
  const base = [
    "ivy-settings",
    "--provider",
    "env",
    "--token-env",
    "SPARKLANE_T",
    "--repo-url",
    "https://h.example/m/",
    "--realm",
    "r",
  ];
  const env = { SPARKLANE_T: CANARY };
  const missing = await runCli([...base, "--out", join(tmp, "nope", "ivysettings.xml")], { env });
  assert.equal(missing.code, 2);
  assert.match(
    missing.stderr,
    new RegExp(`output folder ${join(tmp, "nope")} \\(from --out .*\\) does not exist`),
  );
  writeFileSync(join(tmp, "a-file"), "");
  const notDir = await runCli([...base, "--out", join(tmp, "a-file", "ivysettings.xml")], { env });
  assert.equal(notDir.code, 2);
  assert.match(notDir.stderr, /is not a folder/);

  const ro = join(tmp, "ro");
  mkdirSync(ro);
  // Root ignores permission bits, so a read-only mount is the honest test; else fall back to chmod (non-root).
  const mounted = tryMountTmpfs(ro, 64) && remountReadOnly(ro);
  t.after(() => mounted && unmount(ro));
  if (!mounted) {
    if (process.getuid?.() === 0) return t.skip("cannot mount a read-only tmpfs and root ignores chmod");
    chmodSync(ro, 0o555);
  }
  const r = await runCli(
    [...base, "--out", join(ro, "ivysettings.xml"), "--watch", "--listen", "127.0.0.1:0"],
    { env },
  );
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`error: output folder ${ro} is not writable \\((EROFS|EACCES)\\)`));
  assert.doesNotMatch(r.stderr + r.stdout, /CANARY/);
  assert.deepEqual(readdirSync(ro), []);
});

test("one-shot: an unset env variable is exit 2, a failing provider exit 3, both without writing", async () => {
  mkdirSync(join(tmp, "oneshot"));
  const out = join(tmp, "oneshot", "ivysettings.xml");
  const unset = await runCli(
    [
      "ivy-settings",
      "--provider",
      "env",
      "--token-env",
      "SPARKLANE_UNSET_VAR",
      "--repo-url",
      "https://h.example/m/",
      "--realm",
      "r",
      "--out",
      out,
    ],
    { env: { SPARKLANE_UNSET_VAR: "" } },
  );
  assert.equal(unset.code, 2);
  assert.match(unset.stderr, /environment variable SPARKLANE_UNSET_VAR is not set or empty/);
  const failing = await runCli([
    "ivy-settings",
    "--provider",
    "exec",
    "--token-command",
    `echo "token ${CANARY} revoked" >&2; echo ${CANARY}; exit 5`,
    "--repo-url",
    "https://h.example/m/",
    "--realm",
    "r",
    "--out",
    out,
  ]);
  assert.equal(failing.code, 3, failing.stderr);
  assert.match(failing.stderr, /error: token command exited with 5: token \*\*\* revoked/);
  assert.equal(readdirSync(join(tmp, "oneshot")).length, 0);
});

test(
  "--watch: /healthz and /metrics, last good file kept through failures and garbage, SIGTERM exits 0, canary never shown",
  { timeout: 120_000 },
  async () => {
    const dir = join(tmp, "watch");
    mkdirSync(dir);
    const out = join(dir, "ivysettings.xml");
    writeFileSync(join(dir, "TOKEN"), CANARY);
    writeFileSync(join(dir, "MODE"), "ok");
    const expiry = new Date(Date.now() + 3_600_000).toISOString();
    writeFileSync(
      join(dir, "token.sh"),
      `case "$(cat ${dir}/MODE)" in
  ok) printf '{"token":"%s","expiration":"${expiry}"}' "$(cat ${dir}/TOKEN)" ;;
  fail) echo "upstream: $(cat ${dir}/TOKEN) was revoked" >&2; exit 4 ;;
  garbage) echo "<html> $(cat ${dir}/TOKEN) </html>" ;;
esac\n`,
    );
    const child = spawn(
      process.execPath,
      [
        binPath,
        "ivy-settings",
        "--watch",
        "--provider",
        "exec",
        "--token-command",
        `sh ${dir}/token.sh`,
        "--repo-url",
        "https://h.example/maven/",
        "--realm",
        "r",
        "--out",
        out,
        "--listen",
        "127.0.0.1:0",
        "--interval",
        "1s",
        "--refresh-before",
        "1s",
        "--margin",
        "1s",
        "--start-jitter",
        "0",
        "--backoff-max",
        "1s",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    t_cleanup.push(() => child.exitCode === null && child.kill("SIGKILL"));

    await until(
      () => /"serving":"(http:\/\/[^ ]+)\/healthz/.test(stderr),
      () => stderr,
    );
    const base = /"serving":"(http:\/\/[^ ]+)\/healthz/.exec(stderr)![1]!;
    await until(
      () => existsSync(out),
      () => stderr,
    );
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    const h = (await health.json()) as { healthy: boolean; expiresAt: string };
    assert.equal(h.healthy, true);
    assert.equal(h.expiresAt, expiry);
    const good = readFileSync(out, "utf8");

    // The token must not be in this process's argv (nor its children's, which run token.sh by name).
    const cmdline = readFileSync(`/proc/${child.pid}/cmdline`, "utf8");
    assert.ok(!cmdline.includes(CANARY));

    writeFileSync(join(dir, "MODE"), "fail");
    await until(
      () =>
        /refresh failed: token command exited with 4: upstream: \*\*\* was revoked; keeping the last good file/.test(
          stderr,
        ),
      () => stderr,
    );
    writeFileSync(join(dir, "MODE"), "garbage");
    await until(
      () => /returned an unusable token: it holds whitespace/.test(stderr),
      () => stderr,
    );
    assert.equal((await fetch(`${base}/healthz`)).status, 200, "still healthy on the last good file");
    assert.equal(readFileSync(out, "utf8"), good);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const name of [
      "sparklane_ivy_token_expiry_timestamp_seconds",
      "sparklane_ivy_refresh_success_total",
      "sparklane_ivy_last_refresh_success_timestamp_seconds",
      "sparklane_ivy_token_valid 1",
    ]) {
      assert.ok(metrics.includes(name), name);
    }
    assert.match(metrics, /sparklane_ivy_refresh_failure_total\{stage="token"\} [1-9]/);
    assert.equal(
      Number(/^sparklane_ivy_token_expiry_timestamp_seconds ([\d.]+)/m.exec(metrics)![1]),
      Date.parse(expiry) / 1000,
    );
    assert.equal((await fetch(`${base}/other`)).status, 404);

    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.on("close", (c) => r(c)));
    assert.equal(code, 0, stderr);
    assert.match(stderr, /"signal":"SIGTERM".*"msg":"stopping"/);
    assert.match(stderr, /"msg":"refresher stopped"/);
    for (const text of [stdout, stderr, metrics, JSON.stringify(h)])
      assert.ok(!text.includes(CANARY), "canary leaked");
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
    );
  },
);

test("--watch with no token yet: /healthz is 503 with the reason", { timeout: 60_000 }, async () => {
  const dir = join(tmp, "never");
  mkdirSync(dir);
  const child = spawn(
    process.execPath,
    [
      binPath,
      "ivy-settings",
      "--watch",
      "--provider",
      "exec",
      "--token-command",
      "exit 1",
      "--repo-url",
      "https://h.example/maven/",
      "--realm",
      "r",
      "--out",
      join(dir, "x.xml"),
      "--listen",
      "127.0.0.1:0",
      "--start-jitter",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  t_cleanup.push(() => child.exitCode === null && child.kill("SIGKILL"));
  await until(
    () => /no valid token past the margin/.test(stderr),
    () => stderr,
  );
  const base = /"serving":"(http:\/\/[^ ]+)\/healthz/.exec(stderr)![1]!;
  const res = await fetch(`${base}/healthz`);
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as { reason: string }).reason, "no token written yet");
  child.kill("SIGTERM");
  assert.equal(await new Promise<number | null>((r) => child.on("close", (c) => r(c))), 0);
});

const t_cleanup: (() => void)[] = [];
after(() => t_cleanup.forEach((f) => f()));

async function until(cond: () => boolean, context: () => string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out; output so far:\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("one-shot plumbing: extra public and private resolvers, --private-first, --group, --cache-dir, --username", async () => {
  mkdirSync(join(tmp, "plumbing"));
  const out = join(tmp, "plumbing", "ivysettings.xml");
  const r = await runCli(
    [
      "ivy-settings",
      "--provider",
      "env",
      "--token-env",
      "SPARKLANE_T",
      "--repo-url",
      "https://a.example/maven/jars",
      "--realm",
      "dom/jars",
      "--username",
      "bot",
      "--private-repo",
      "more=https://b.example/maven/more/",
      "--public-repo",
      "confluent=https://packages.example.org/maven/",
      "--private-first",
      "--group",
      String(process.getgid!()),
      "--cache-dir",
      "/tmp/ivy",
      "--out",
      out,
    ],
    { env: { SPARKLANE_T: CANARY } },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `wrote ${out} (private https://a.example/maven/jars/, more https://b.example/maven/more/; token expiry unknown)\n`,
  );
  const xml = readFileSync(out, "utf8");
  assert.deepEqual(
    [...xml.matchAll(/<ibiblio name="([^"]+)"/g)].map((m) => m[1]),
    ["private", "more", "central", "confluent"],
  );
  assert.deepEqual(
    [...xml.matchAll(/<credentials host="([^"]+)" realm="dom\/jars" username="bot"/g)].map((m) => m[1]),
    ["a.example", "b.example"],
  );
  assert.match(xml, /<caches defaultCacheDir="\/tmp\/ivy"\/>/);
  const { statSync } = await import("node:fs");
  assert.equal(statSync(out).mode & 0o777, 0o640);
  assert.ok(!r.stdout.includes(CANARY) && !r.stderr.includes(CANARY));
});
