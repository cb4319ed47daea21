// Entry of the start-up snapshot (dist/snapshot.blob). scripts/build-snapshot.mjs bundles this file as one
// CommonJS file and runs it under `node --build-snapshot`: V8 then saves the evaluated modules and the
// bytecode compiled during the warm-up below, so a run skips loading, parsing and compiling the CLI.
// bin/sparklane starts from the blob only for render, validate and lint, whose code reaches no external
// package (the build stubs those out; see build-snapshot.mjs). The blob runs any command line that stays
// within them, --help and --version included.
//
// Whatever module-level code computes here is frozen at build time. So: runMain builds the program (and reads
// SPARKLANE_VERSION) per call; process.env, process.cwd() and isTTY are read where they are used, at run time;
// templates are forgotten after the warm-up. The one frozen value is the package folder (builtinTemplateDir,
// from import.meta.url defined at build time); the launcher only uses a blob built for its own dist/ folder.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startupSnapshot } from "node:v8";
import { builtinTemplateDir } from "../project/index.js";
import { clearTemplateCache } from "../render/index.js";
import { clearParseReuse, useParseStore } from "../manifest/index.js";
import { setSink, streamSink } from "./io.js";
import { runMain } from "./main.js";

const SAMPLE_TRIGGER = {
  etl_module: "visits_distinct",
  etl_script: "visits_distinct_daily.py",
  config_file: "config/dev-daily.yaml",
  process_date: "2026-03-15",
  executor_node_labels: { "spark-role": "general" },
};

/** Real commands on real files, so V8 compiles (and the snapshot keeps) the code these commands run. */
async function warmUp(): Promise<void> {
  const root = dirname(builtinTemplateDir);
  const example = join(root, "examples", "visits-etl");
  const triggerDir = join(example, "triggers");
  // A scratch cache folder: the parse store's code gets warm (a miss, then hits) without writing into the
  // cache of whoever builds the package. It also holds a payload for an installed package, which has no
  // examples/ to render.
  const cache = mkdtempSync(join(tmpdir(), "sparklane-snapshot-"));
  const sample = join(cache, "sample-trigger.json");
  writeFileSync(sample, JSON.stringify(SAMPLE_TRIGGER));
  const triggers = existsSync(triggerDir)
    ? readdirSync(triggerDir)
        .filter((f) => f.endsWith(".json"))
        .sort()
        .map((f) => join(triggerDir, f))
    : [sample];
  const runs: string[][] = [["--version"], ["--help"], ["render", "--help"], ["render", "--no-such-flag"]];
  for (const conf of triggers) {
    for (const variant of ["standard", "pre-baked"]) {
      runs.push(["render", "--conf", conf, "--variant", variant, "--ds", "2026-03-15"]);
      runs.push(["render", "--conf", conf, "--variant", variant, "--output", "json"]);
    }
    runs.push(["render", "--project", example, "--conf", conf, "--set", "executor_instances=2"]);
    // A rejected payload, so the error formatting is warm as well.
    runs.push(["render", "--conf", conf, "--set", "executor_instances=-1"]);
  }
  runs.push(["render", "--conf", join(root, "no-such-payload.json")]);
  if (existsSync(example)) {
    runs.push(["validate", "--project", example], ["validate", "--project", example, "--output", "json"]);
    runs.push(["lint", "--project", example], ["lint", "--project", example, "--output", "json"]);
  }
  let stderr = "";
  setSink({ out: () => {}, err: (text) => void (stderr += text) });
  const env = { ...process.env, SPARKLANE_CACHE_DIR: cache, SPARKLANE_PARSE_CACHE: "1" };
  for (const [i, args] of [...runs, ...runs].entries()) {
    // The second round finds its skeletons in the store, not in memory: that reading code gets warm too.
    if (i === runs.length) clearParseReuse();
    stderr = "";
    const code = await runMain([process.execPath, "sparklane", ...args], { env });
    // Exit 1 is an unexpected failure (a stubbed package reached, a bug): fail the build, not freeze it.
    if (code === 1) throw new Error(`sparklane ${args.join(" ")}: ${stderr.trim()}`);
    // validate and lint set it when they reject input; the build must not exit with it.
    process.exitCode = undefined;
  }
  rmSync(cache, { recursive: true, force: true });
  clearTemplateCache();
  useParseStore(undefined);
}

if (startupSnapshot.isBuildingSnapshot()) {
  startupSnapshot.setDeserializeMainFunction(() => {
    // process.stdout, as in the plain entry. Raw writeSync(1) measured no faster here (the warm-up already
    // compiled the stream code), and would differ on EPIPE and non-blocking pipes.
    setSink(streamSink);
    if (process.env.SPARKLANE_TRACE_START === "1") {
      const blob = process.execArgv[process.execArgv.indexOf("--snapshot-blob") + 1];
      process.stderr.write(`sparklane: start: snapshot ${blob}\n`);
    }
    // Started from a blob, process.argv is [node, ...args]: no script path.
    void runMain([process.argv[0], "sparklane", ...process.argv.slice(1)]).then((code) => {
      process.exitCode = code;
    });
  });
  // No top-level await in CommonJS. A failed warm-up must fail the build, not freeze a half-warm blob.
  warmUp().catch((e: unknown) => {
    process.stderr.write(`warm-up failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write(
    "sparklane: src/cli/snapshot.ts is the start-up snapshot's entry, run by --build-snapshot\n",
  );
  process.exitCode = 1;
}
