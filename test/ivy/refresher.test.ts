// The refresh daemon on a fake clock: schedule, jitter, backoff, and every fault the issue names
// (provider down, slow, garbage; expiry during an outage; disk full; read-only folder), each with
// its log line, its health state, and the last good file left intact.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IvyRefresher, type Timing } from "../../src/ivy/refresher.js";
import { IvyMetrics } from "../../src/ivy/metrics.js";
import { SettingsWriter, type WriterFs } from "../../src/ivy/writer.js";
import { execProvider } from "../../src/ivy/providers/exec.js";
import { fileProvider } from "../../src/ivy/providers/file.js";
import type { TokenProvider } from "../../src/ivy/providers/types.js";
import { InfraError } from "../../src/errors.js";
import { LogSink, ScriptedProvider, failingFs, remountReadOnly, tryMountTmpfs, unmount } from "./faults.js";

const MIN = 60_000;
const T0 = Date.parse("2026-03-15T00:00:00Z");
let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "sparklane-ivy-refresh-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
function freshDir(): string {
  const d = join(root, `case-${n++}`);
  mkdirSync(d);
  return d;
}

interface Rig {
  refresher: IvyRefresher;
  metrics: IvyMetrics;
  log: LogSink;
  out: string;
  clock: { now: number };
  sleeps: number[];
}

function rig(
  provider: TokenProvider,
  opts: {
    dir?: string;
    fs?: WriterFs;
    timing?: Partial<Timing>;
    random?: () => number;
    steps?: (() => void | Promise<void>)[];
    gid?: number;
  } = {},
): Rig & { run(): Promise<void> } {
  const dir = opts.dir ?? freshDir();
  const out = join(dir, "ivysettings.xml");
  const clock = { now: T0 };
  const sleeps: number[] = [];
  const log = new LogSink();
  const metrics = new IvyMetrics();
  const ctl = new AbortController();
  const steps = [...(opts.steps ?? [])];
  const refresher = new IvyRefresher(
    {
      provider,
      writer: new SettingsWriter(out, {
        ...(opts.fs ? { fs: opts.fs } : {}),
        ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
      }),
      cacheDir: "/ivy-cache",
      publicRepos: [],
      privateRepos: [{ name: "private", url: "http://127.0.0.1:9/maven/", realm: "r", username: "aws" }],
      timing: { startJitterMs: 0, ...opts.timing },
      metrics,
    },
    {
      now: () => clock.now,
      random: opts.random ?? (() => 0.5),
      log,
      // Each wait runs the next scripted step instead of passing time; the loop ends when they run out.
      sleep: async (ms) => {
        sleeps.push(ms);
        const step = steps.shift();
        if (!step) ctl.abort();
        else await step();
      },
    },
  );
  return {
    refresher,
    metrics,
    log,
    out,
    clock,
    sleeps,
    async run() {
      refresher.start(ctl.signal);
      await new Promise<void>((r) =>
        ctl.signal.aborted ? r() : ctl.signal.addEventListener("abort", () => r()),
      );
      await refresher.stop();
    },
  };
}

const tokenAt = (clock: { now: number }, value: string, ttlMs: number) => () => ({
  value,
  expiresAt: new Date(clock.now + ttlMs),
});
const metric = async (m: IvyMetrics, name: string) => await m.registry.getSingleMetricAsString(name);

test("schedule: the interval is an upper bound, refreshes land before the refresh window, jitter only shortens", () => {
  const p = new ScriptedProvider();
  for (const random of [0, 0.5, 0.999]) {
    const { refresher, clock } = rig(p, { random: () => random });
    const at = (ttl: number) => refresher.nextDelay(new Date(clock.now + ttl));
    const factor = 1 - 0.1 * random;
    assert.equal(at(12 * 60 * MIN), 5 * MIN * factor, "12 h token: the 5-minute interval");
    assert.equal(at(17 * MIN), 2 * MIN * factor, "17 min left: wake at the 15-minute window");
    assert.equal(at(6 * MIN), 3 * MIN * factor, "shorter than the window: half the remaining life");
    assert.equal(refresher.nextDelay(undefined), 5 * MIN * factor, "unknown expiry: the interval");
    assert.ok(at(12 * 60 * MIN) <= 5 * MIN && at(12 * 60 * MIN) >= 4.5 * MIN);
  }
  // Sidecars started together spread out: different random draws, different waits.
  const waits = [0.1, 0.4, 0.9].map((r) => rig(p, { random: () => r }).refresher.nextDelay(undefined));
  assert.equal(new Set(waits).size, 3);
});

test("backoff is full-jitter exponential and capped", () => {
  const p = new ScriptedProvider();
  const top = rig(p, {
    random: () => 0.999999,
    timing: { backoffBaseMs: 1000, backoffMaxMs: 60_000 },
  }).refresher;
  assert.deepEqual(
    [1, 2, 3, 4, 7, 8, 50].map((f) => Math.round(top.backoffDelay(f))),
    [1000, 2000, 4000, 8000, 60_000, 60_000, 60_000],
  );
  const low = rig(p, { random: () => 0 }).refresher;
  assert.equal(low.backoffDelay(5), 50, "never a zero wait (no hot loop)");
});

test("an unchanged token writes nothing; a new one replaces the file atomically with mode 0600 (0640 with a group)", async () => {
  const p = new ScriptedProvider();
  const { refresher, out, metrics } = rig(p);
  p.next = () => ({ value: "tok-same" });
  const old = process.umask(0o000);
  try {
    assert.equal((await refresher.refreshOnce()).written, true);
    const ino = statSync(out).ino;
    assert.equal(statSync(out).mode & 0o777, 0o600);
    assert.equal((await refresher.refreshOnce()).written, false);
    assert.equal(statSync(out).ino, ino, "not rewritten");
    p.next = () => ({ value: "tok-new" });
    assert.equal((await refresher.refreshOnce()).written, true);
    assert.notEqual(statSync(out).ino, ino, "replaced by rename, not rewritten in place");
    assert.match(await metric(metrics, "sparklane_ivy_settings_writes_total"), / 2$/m);
    assert.match(await metric(metrics, "sparklane_ivy_refresh_success_total"), / 3$/m);

    const g = rig(p, { gid: process.getgid!() });
    await g.refresher.refreshOnce();
    assert.equal(statSync(g.out).mode & 0o777, 0o640);
    assert.equal(statSync(g.out).gid, process.getgid!());
  } finally {
    process.umask(old);
  }
  // A restarted sidecar finds its previous file on the shared volume and does not rewrite it.
  const dir = freshDir();
  const a = rig(p, { dir });
  await a.refresher.refreshOnce();
  const ino = statSync(a.out).ino;
  const b = rig(p, { dir });
  assert.equal((await b.refresher.refreshOnce()).written, false);
  assert.equal(statSync(b.out).ino, ino);
});

test("token expiring during an outage: healthy while it lasts past the margin, then unhealthy; the last good file stays", async () => {
  const p = new ScriptedProvider();
  const r = rig(p, {
    steps: [
      () => {
        assert.equal(r.refresher.health().healthy, true);
        p.next = new InfraError("CodeArtifact GetAuthorizationToken failed (HTTP 503): ServiceUnavailable");
        r.clock.now += 5 * MIN; // 15 min left
      },
      () => {
        assert.equal(r.refresher.health().healthy, true);
        r.clock.now += 6 * MIN; // 9 min left: inside the 10-minute margin
      },
      () => {
        const h = r.refresher.health();
        assert.equal(h.healthy, false);
        assert.match(h.reason, /expires within the 600 s margin/);
        r.clock.now += 10 * MIN; // expired
      },
      () => {
        assert.match(r.refresher.health().reason, /token expired/);
        p.next = tokenAt(r.clock, "tok-B", 12 * 60 * MIN);
      },
    ],
  });
  p.next = tokenAt(r.clock, "tok-A", 20 * MIN);
  await r.run();
  const text = r.log.text();
  assert.match(
    text,
    /warn refresh failed: CodeArtifact GetAuthorizationToken failed \(HTTP 503\): ServiceUnavailable; keeping the last good file/,
  );
  assert.match(text, /error refresh failed: .*; no valid token past the margin/);
  assert.match(readFileSync(r.out, "utf8"), /passwd="tok-B"/);
  assert.equal(r.refresher.health().healthy, true);
  // Retry waits after the three failures follow the backoff (random 0.5): 0.5 s, 1 s, 2 s.
  assert.deepEqual(r.sleeps.slice(1, 4), [500, 1000, 2000]);
  assert.match(await metric(r.metrics, "sparklane_ivy_refresh_failure_total"), /stage="token"} 3/);
  assert.match(
    await metric(r.metrics, "sparklane_ivy_token_expiry_timestamp_seconds"),
    new RegExp(` ${(T0 + 21 * MIN + 12 * 60 * MIN) / 1000}$`, "m"),
  );
});

async function faultScenario(
  provider: TokenProvider,
  timing: Partial<Timing> = {},
): Promise<{ r: ReturnType<typeof rig>; text: string }> {
  const r = rig(provider, { timing, steps: [() => {}] });
  await r.run();
  return { r, text: r.log.text() };
}

test("provider down: the command's error is logged, nothing is written, unhealthy until a first token", async () => {
  const { r, text } = await faultScenario(
    execProvider("echo 'connect ECONNREFUSED 10.0.0.1:443' >&2; exit 7"),
  );
  assert.match(
    text,
    /error refresh failed: token command exited with 7: connect ECONNREFUSED 10\.0\.0\.1:443; no valid token past the margin/,
  );
  assert.deepEqual(r.refresher.health(), {
    healthy: false,
    reason: "no token written yet",
    consecutiveFailures: 2,
  });
  assert.deepEqual(readdirSync(join(r.out, "..")), []);
});

test("provider slow: the attempt is cut at --timeout and the child is gone", async () => {
  const started = Date.now();
  const { r, text } = await faultScenario(execProvider("exec sleep 30"), { timeoutMs: 300 });
  assert.match(text, /refresh failed: token provider exec did not answer within 300 ms/);
  assert.ok(Date.now() - started < 20_000, "did not wait for the command");
  assert.equal(r.refresher.health().healthy, false);
});

test("provider returns garbage: refused as unusable, and the garbage is not echoed", async () => {
  const { r, text } = await faultScenario(
    execProvider("echo '<html><body>503 Service Unavailable CANARY-7d1</body></html>'"),
  );
  assert.match(text, /refresh failed: token provider exec returned an unusable token: it holds whitespace/);
  assert.doesNotMatch(text, /CANARY|html/);
  assert.deepEqual(readdirSync(join(r.out, "..")), []);
});

for (const kind of ["disk full", "read-only folder"] as const) {
  test(`${kind}: the write fails cleanly, the last good file is untouched, health follows its token`, async (t) => {
    const dir = freshDir();
    const mounted = tryMountTmpfs(dir, 64);
    t.after(() => mounted && unmount(dir));
    const code = kind === "disk full" ? "ENOSPC" : "EROFS";
    let broken = false;
    // Real faults on a real tmpfs when we may mount; otherwise the same errno through the fs interface.
    const injected = failingFs(code);
    const p = new ScriptedProvider();
    const real = (await import("node:fs/promises")) as unknown as WriterFs;
    const switching: WriterFs = {
      open: ((...a: Parameters<WriterFs["open"]>) =>
        (broken && !mounted ? injected : real).open(...a)) as WriterFs["open"],
      rename: real.rename,
      unlink: real.unlink,
      readFile: real.readFile,
    };
    const r = rig(p, {
      dir,
      fs: switching,
      steps: [
        () => {
          broken = true;
          if (mounted && kind === "disk full") {
            try {
              writeFileSync(join(dir, "filler"), Buffer.alloc(1024 * 1024));
            } catch {
              /* ENOSPC: the disk is now full, which is the point */
            }
          }
          if (mounted && kind === "read-only folder") assert.ok(remountReadOnly(dir));
          p.next = tokenAt(r.clock, "tok-new", 12 * 60 * MIN);
          r.clock.now += 5 * MIN;
        },
      ],
    });
    p.next = tokenAt(r.clock, "tok-good", 12 * 60 * MIN);
    await r.run();
    const text = r.log.text();
    const expected = code === "ENOSPC" ? "ENOSPC: no space left on device" : "EROFS: read-only file system";
    assert.match(
      text,
      new RegExp(
        `warn refresh failed: cannot write ${r.out.replaceAll("/", "\\/")} \\(${expected}\\); keeping the last good file`,
      ),
    );
    assert.match(readFileSync(r.out, "utf8"), /passwd="tok-good"/);
    assert.equal(r.refresher.health().healthy, true);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes(".tmp-")),
      [],
      "no temp file left behind",
    );
    assert.match(await metric(r.metrics, "sparklane_ivy_refresh_failure_total"), /stage="write"} 1/);
    t.diagnostic(mounted ? "real tmpfs" : "injected errno (mount not permitted here)");
  });
}

test("a rotated token file triggers a refresh at once, not at the next interval", async (t) => {
  const dir = freshDir();
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "tok-1\n");
  const out = join(dir, "ivysettings.xml");
  const ctl = new AbortController();
  t.after(() => ctl.abort());
  const refresher = new IvyRefresher({
    provider: fileProvider(tokenFile),
    writer: new SettingsWriter(out),
    cacheDir: "/ivy-cache",
    publicRepos: [],
    privateRepos: [{ name: "private", url: "http://127.0.0.1:9/maven/", realm: "r", username: "aws" }],
    timing: { startJitterMs: 0, intervalMs: 3_600_000 },
  });
  refresher.start(ctl.signal);
  await until(() => readFileSync(out, "utf8").includes('passwd="tok-1"'));
  writeFileSync(tokenFile, "tok-2\n");
  await until(() => readFileSync(out, "utf8").includes('passwd="tok-2"'));
  ctl.abort();
  await refresher.stop();
});

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (cond()) return;
    } catch {
      /* not there yet */
    }
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}
