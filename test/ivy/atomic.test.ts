// Write atomicity: a reader in another process polls the file during 1,000 refreshes that alternate
// between two tokens of different lengths; it must never see an empty, partial or missing file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IvyRefresher } from "../../src/ivy/refresher.js";
import { renderIvySettings } from "../../src/ivy/settings.js";
import { SettingsWriter } from "../../src/ivy/writer.js";
import { ScriptedProvider } from "./faults.js";

const reader = fileURLToPath(new URL("./poll-reader.mjs", import.meta.url));
const repos = [{ name: "private", url: "http://127.0.0.1:9/maven/", realm: "r", username: "aws" }];

test(
  "a polling reader never sees an empty, partial or missing file during 1,000 refreshes",
  { timeout: 300_000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "sparklane-ivy-atomic-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, "ivysettings.xml");
    const tokens = ["tok-A-" + "a".repeat(40), "tok-B-" + "b".repeat(4000)];
    tokens.forEach((tok, i) =>
      writeFileSync(
        join(dir, `allowed-${i}.xml`),
        renderIvySettings({ cacheDir: "/ivy-cache", publicRepos: [], privateRepos: repos, token: tok }),
      ),
    );
    const p = new ScriptedProvider();
    const refresher = new IvyRefresher({
      provider: p,
      writer: new SettingsWriter(out),
      cacheDir: "/ivy-cache",
      publicRepos: [],
      privateRepos: repos,
    });
    p.next = () => ({ value: tokens[0]! });
    await refresher.refreshOnce();

    const child = spawn(
      process.execPath,
      [reader, out, join(dir, "STOP"), join(dir, "allowed-0.xml"), join(dir, "allowed-1.xml")],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let report = "";
    child.stdout!.on("data", (d: Buffer) => (report += d.toString()));
    const latencies: number[] = [];
    let written = 0;
    for (let i = 1; i <= 1000; i++) {
      p.next = () => ({ value: tokens[i % 2]! });
      const r = await refresher.refreshOnce();
      latencies.push(r.durationMs);
      if (r.written) written++;
    }
    writeFileSync(join(dir, "STOP"), "");
    await new Promise((r) => child.on("close", r));
    const result = JSON.parse(report) as { reads: number; bad: number; missing: number };
    latencies.sort((a, b) => a - b);
    t.diagnostic(
      `reader made ${result.reads} reads; refresh latency p50 ${latencies[500]!.toFixed(2)} ms, p99 ${latencies[990]!.toFixed(2)} ms`,
    );
    assert.equal(written, 1000, "every refresh changed the token, so every one wrote");
    assert.ok(result.reads > 100, `the reader really polled during the writes (${result.reads} reads)`);
    assert.deepEqual({ bad: result.bad, missing: result.missing }, { bad: 0, missing: 0 });
  },
);
