// Every README example of the commands that need no cluster, store or Spark (render, validate, lint) runs as
// written, with the exit status and the output the README shows. `npx sparklane` is the built CLI here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binPath, repoRoot } from "../helpers/cli.js";
import { writeExampleLedger } from "../helpers/ledger-example.js";
import { sharedDir, sharedSkip } from "../helpers/shared.js";

interface Example {
  readonly command: string;
  readonly output: readonly string[];
  /** The console block's earlier commands. */
  readonly before: readonly string[];
}

/** The `$ ...` commands of the README's console blocks, with the lines each shows as its output. */
export function readmeExamples(text: string): Example[] {
  const examples: Example[] = [];
  for (const block of text.matchAll(/^```console\n([^]*?)^```$/gm)) {
    const lines = block[1]!.split("\n");
    let current: { command: string[]; output: string[] } | undefined;
    const before: string[] = [];
    let open = false;
    for (const line of lines) {
      if (current && (open || current.command.at(-1)!.endsWith("\\") || /^\s+\|/.test(line))) {
        current.command.push(line);
      } else if (line.startsWith("$ ")) {
        if (current) {
          examples.push({ command: current.command.join("\n"), output: current.output, before: [...before] });
          before.push(current.command.join("\n"));
        }
        current = { command: [line.slice(2)], output: [] };
      } else {
        current?.output.push(line);
        continue;
      }
      open = (current.command.join("\n").split("'").length - 1) % 2 === 1;
    }
    if (current) examples.push({ command: current.command.join("\n"), output: current.output, before });
  }
  return examples.map((e) => ({ ...e, output: e.output.filter((l, i, a) => l !== "" || i < a.length - 1) }));
}

/** The README's lines in order, where a `...` line stands for any number of lines. */
function assertShows(actual: string, expected: readonly string[], what: string): void {
  const got = actual.split("\n");
  let at = 0;
  const chunks: string[][] = [[]];
  for (const line of expected) {
    if (line.trim() === "...") chunks.push([]);
    else chunks.at(-1)!.push(line);
  }
  for (const [i, chunk] of chunks.entries()) {
    if (chunk.length === 0) continue;
    let found = -1;
    for (let j = at; j <= got.length - chunk.length && found < 0; j++) {
      if (i === 0 && j > 0) break;
      if (chunk.every((l, k) => got[j + k] === l)) found = j;
    }
    assert.ok(found >= 0, `${what}: the README shows\n${chunk.join("\n")}\n\nthe command printed\n${actual}`);
    at = found + chunk.length;
  }
}

const RUNS_HERE = /^(?:echo [^]*\| )?npx sparklane (render|validate|lint)\b/;

test("README: the render, validate and lint examples run as written", { skip: sharedSkip }, async (t) => {
  const examples = readmeExamples(readFileSync(join(repoRoot, "README.md"), "utf8"));
  const runnable = examples.filter((e) => RUNS_HERE.test(e.command.replace(/\s+/g, " ")));
  assert.ok(runnable.length >= 5, `found ${runnable.length} examples`);
  // The README assumes a clone next to the steering repo's shared folder; here it is wherever it is.
  const S = join(sharedDir!, "fixtures", "seed-templates");
  for (const e of runnable) {
    await t.test(e.command.split("\n")[0]!, () => {
      const script = `S=${JSON.stringify(S)}\n${e.command.replaceAll("npx sparklane", `node ${JSON.stringify(binPath)}`)}`;
      const r = spawnSync("bash", ["-c", script], { cwd: repoRoot, encoding: "utf8" });
      const expectedCode = e.output.some((l) => /^(error|payload): /.test(l)) ? 2 : 0;
      assert.equal(r.status, expectedCode, r.stderr);
      // Paths to the shared folder print relative to where it really is.
      const printed = `${r.stdout}${r.stderr}`.replace(
        /(?:\.\.\/)+[^\s]*?shared\/fixtures/g,
        "../shared/fixtures",
      );
      assertShows(printed, e.output, e.command);
    });
  }
});

test("README: the cost example prints what the example project's ledger costs, as shown", async () => {
  const example = readmeExamples(readFileSync(join(repoRoot, "README.md"), "utf8")).find((e) =>
    e.command.startsWith("npx sparklane cost --window 2026-11-30"),
  );
  assert.ok(example, "the README's cost example over the example ledger");
  const dir = mkdtempSync(join(tmpdir(), "sparklane-readme-cost-"));
  try {
    // The same week the screenshot shows (scripts/ui-screenshot.ts), with the same pinned clock.
    const ledger = join(dir, "ledger.db");
    await writeExampleLedger(ledger, Date.parse("2026-12-03T06:00:00Z"));
    const r = spawnSync(
      "bash",
      ["-c", example.command.replace("npx sparklane", `node ${JSON.stringify(binPath)}`)],
      {
        cwd: repoRoot,
        encoding: "utf8",
        env: { ...process.env, SPARKLANE_LEDGER: ledger },
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assertShows(r.stdout, example.output, example.command);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("README: no example calls a bare `sparklane` that is not on PATH after the documented install", () => {
  const examples = readmeExamples(readFileSync(join(repoRoot, "README.md"), "utf8"));
  const installed = (e: Example) => e.before.some((c) => /npm (link|install -g)/.test(c));
  const bare = examples.filter((e) => /(^|[|&;]\s*)sparklane /.test(e.command) && !installed(e));
  assert.deepEqual(
    bare.map((e) => e.command),
    [],
    "use `npx sparklane` (works in the clone); the install section explains `npm link` for PATH",
  );
});

test("examples/lint-lessons is the built-in standard template with exactly its two documented mistakes", () => {
  const builtin = readFileSync(join(repoRoot, "templates/sparkapps/generic-spark-app.yaml"), "utf8");
  const lessons = readFileSync(
    join(repoRoot, "examples/lint-lessons/sparkapps/generic-spark-app.yaml"),
    "utf8",
  );
  const a = '    spark.kubernetes.memoryOverheadFactor: "0.2"';
  assert.equal(
    lessons,
    builtin
      .replace(a, `${a}\n    spark.sql.shuffle.partitions: "200"`)
      .replace('spark.jars.ivy: "/ivy-cache"', 'spark.jars.ivy: "/home/x"'),
    "regenerate it from templates/sparkapps/generic-spark-app.yaml with the two edits",
  );
});
