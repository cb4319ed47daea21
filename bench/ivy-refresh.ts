// Refresh latency and write atomicity of the ivy-settings sidecar, against a baseline measured in the
// same run: a plain in-place writeFile of the same bytes (what a hand-written sidecar does).
// Each phase runs N refreshes alternating two tokens while another process polls the file.
//   npm run bench -- ivy-refresh        (N defaults to 1000; IVY_BENCH_N to change)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { IvyRefresher } from "../src/ivy/refresher.js";
import { renderIvySettings } from "../src/ivy/settings.js";
import { SettingsWriter } from "../src/ivy/writer.js";
import { codeArtifactProvider } from "../src/ivy/providers/codeartifact.js";
import { execProvider } from "../src/ivy/providers/exec.js";
import type { TokenProvider } from "../src/ivy/providers/types.js";
import { ScriptedProvider } from "../test/ivy/faults.js";
import { awsTestEnv, startCodeArtifactServer } from "../test/ivy/codeartifact-server.js";
import { median, quantile } from "./stats.js";

const N = Number(process.env.IVY_BENCH_N ?? 1000);
const reader = fileURLToPath(new URL("../test/ivy/poll-reader.mjs", import.meta.url));
const repos = [{ name: "private", url: "http://127.0.0.1:9/maven/", realm: "r", username: "aws" }];
const tokens = ["tok-A-" + "a".repeat(40), "tok-B-" + "b".repeat(4000)];
const dir = mkdtempSync(join(tmpdir(), "sparklane-bench-ivy-"));
const contents = tokens.map((token) =>
  renderIvySettings({ cacheDir: "/ivy-cache", publicRepos: [], privateRepos: repos, token }),
);
contents.forEach((c, i) => writeFileSync(join(dir, `allowed-${i}.xml`), c));

async function phase(
  name: string,
  step: (i: number) => Promise<void>,
): Promise<{ p50: number; p99: number; bad: number; reads: number }> {
  const out = join(dir, `${name}.xml`);
  writeFileSync(out, contents[0]);
  const stop = join(dir, `${name}.STOP`);
  const child = spawn(
    process.execPath,
    [reader, out, stop, join(dir, "allowed-0.xml"), join(dir, "allowed-1.xml")],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let report = "";
  child.stdout.on("data", (d: Buffer) => (report += d.toString()));
  await new Promise((r) => setTimeout(r, 200));
  const ms: number[] = [];
  for (let i = 1; i <= N; i++) {
    const t0 = performance.now();
    await step(i);
    ms.push(performance.now() - t0);
  }
  writeFileSync(stop, "");
  await new Promise((r) => child.on("close", r));
  const r = JSON.parse(report) as { reads: number; bad: number; missing: number };
  return { p50: median(ms), p99: quantile(ms, 0.99), bad: r.bad + r.missing, reads: r.reads };
}

function refresherFor(name: string, provider: TokenProvider): IvyRefresher {
  return new IvyRefresher({
    provider,
    writer: new SettingsWriter(join(dir, `${name}.xml`)),
    cacheDir: "/ivy-cache",
    publicRepos: [],
    privateRepos: repos,
  });
}

try {
  const naive = await phase("naive", (i) => writeFile(join(dir, "naive.xml"), contents[i % 2]));
  const scripted = new ScriptedProvider();
  const atomicR = refresherFor("atomic", scripted);
  const atomic = await phase("atomic", async (i) => {
    scripted.next = () => ({ value: tokens[i % 2] });
    await atomicR.refreshOnce();
  });

  const tokFile = join(dir, "tok");
  const execR = refresherFor("exec", execProvider(`cat ${tokFile}`));
  const exec = await phase("exec", async (i) => {
    writeFileSync(tokFile, tokens[i % 2]);
    await execR.refreshOnce();
  });

  Object.assign(process.env, awsTestEnv);
  const ca = await startCodeArtifactServer({
    token: tokens[0],
    expiration: Date.now() / 1000 + 43200,
    repositoryEndpoint: repos[0].url,
  });
  const caR = refresherFor(
    "codeartifact",
    codeArtifactProvider({
      domain: "d",
      domainOwner: "111122223333",
      repository: "r",
      region: "eu-west-1",
      endpoint: ca.url,
    }),
  );
  const caRes = await phase("codeartifact", async (i) => {
    ca.token = tokens[i % 2]!;
    await caR.refreshOnce();
  });
  await ca.close();

  const row = (label: string, r: { p50: number; p99: number; bad: number; reads: number }) =>
    `${label.padEnd(44)} p50 ${r.p50.toFixed(2).padStart(7)} ms  p99 ${r.p99.toFixed(2).padStart(8)} ms  ${(r.p50 / naive.p50).toFixed(1).padStart(6)}x baseline  reader: ${r.reads} reads, ${r.bad} bad`;
  console.log(
    `${N} refreshes per row, alternating two tokens (${contents[0].length} / ${contents[1].length} bytes)`,
  );
  console.log(row("baseline: writeFile in place (no fsync)", naive));
  console.log(row("atomic write (temp+fsync+rename+dir fsync)", atomic));
  console.log(row("refresh via exec provider (sh -c cat)", exec));
  console.log(row("refresh via codeartifact (AWS SDK, local)", caRes));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
