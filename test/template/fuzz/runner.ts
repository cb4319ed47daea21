// The differential fuzzer's driver: generated cases rendered by sparklane in this process and by Python's
// jinja2 (set up as Airflow sets it up) in one long-lived child fed JSON lines, compared case by case.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { Environment, TemplateError, airflowContext, parseJsonPy } from "../../../src/template/index.js";
import { genCase, type FuzzCase } from "./generator.js";

const here = fileURLToPath(new URL(".", import.meta.url));
export const SERVER = join(here, "jinja_server.py");
export const ALLOW_LIST = join(here, "allow-list");

const STALL_MS = 30_000;

export type Outcome = { text: string } | { error: string; message?: string };

export type Verdict =
  | "same"
  | "text" // both render, different text
  | "sparklane-error" // Python renders, sparklane raises
  | "python-error" // Python raises, sparklane renders
  | "error-class" // both raise, different exception classes
  | "crash"; // sparklane threw something that is not a TemplateError (a bug whatever Python does)

export interface Divergence {
  case: FuzzCase;
  verdict: Verdict;
  python: Outcome;
  sparklane: Outcome;
  /** The allow-list entry that excuses it, if any. */
  allowed?: string;
}

export interface FuzzStats {
  cases: number;
  pythonRenders: number;
  /** Cases Python renders where sparklane differs (text, or an error): the "divergence rate". */
  divergentRenders: number;
  /** Cases where Python raises and sparklane renders or raises another class. */
  divergentErrors: number;
  crashes: number;
  environment: string;
  byVerdict: Record<Verdict, number>;
}

export interface AllowEntry {
  name: string;
  pattern: RegExp;
  reason: string;
}

/**
 * The allow-list: `name | regex | reason` per line, `#` comments. The regex is tried on the case's template
 * source, its payload and both outcomes (one string, sections separated by a line `---`).
 */
export function readAllowList(file = ALLOW_LIST): AllowEntry[] {
  const entries: AllowEntry[] = [];
  for (const [i, raw] of readFileSync(file, "utf8").split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const parts = line.split(" | ");
    if (parts.length !== 3 || !parts[2]!.trim())
      throw new Error(`${file}:${i + 1}: expected 'name | regex | reason', got ${JSON.stringify(line)}`);
    entries.push({
      name: parts[0]!.trim(),
      pattern: new RegExp(parts[1]!.trim(), "s"),
      reason: parts[2]!.trim(),
    });
  }
  return entries;
}

const normalizeKind = (k: string) => (k === "TemplatesNotFound" ? "TemplateNotFound" : k);

export function sparklaneOutcome(c: FuzzCase): Outcome & { crash?: boolean } {
  try {
    const env = new Environment({ searchPath: [] });
    const ctx = airflowContext({
      conf: parseJsonPy(c.conf, "payload") as Map<string, unknown>,
      dagId: "generic_spark_etl",
      taskId: "submit_spark_etl",
      ts: c.ts,
      runId: `manual__${c.ts}`,
      varValues: c.varValues,
      params: c.params,
    });
    return { text: env.fromString(c.source, "<template>").render(ctx) };
  } catch (e) {
    if (e instanceof TemplateError) return { error: e.kind, message: e.detail };
    return { error: e instanceof Error ? e.name : "throw", message: String(e), crash: true };
  }
}

export function verdictOf(py: Outcome, sl: Outcome & { crash?: boolean }): Verdict {
  if (sl.crash) return "crash";
  if ("text" in py) {
    if ("text" in sl) return py.text === sl.text ? "same" : "text";
    return "sparklane-error";
  }
  if ("text" in sl) return "python-error";
  return normalizeKind(py.error) === normalizeKind(sl.error) ? "same" : "error-class";
}

export function describe(d: Pick<Divergence, "case" | "python" | "sparklane">): string {
  const o = (x: Outcome) =>
    "text" in x ? `text ${JSON.stringify(x.text)}` : `${x.error}: ${x.message ?? ""}`;
  return `${d.case.source}\n---\n${d.case.conf}\n---\n${o(d.python)}\n---\n${o(d.sparklane)}`;
}

/**
 * A short label that groups divergences with one cause: the verdict, and for errors the exception classes with
 * the quoted names in the messages kept only when they are filter/test names.
 */
export function signature(d: Pick<Divergence, "verdict" | "python" | "sparklane">): string {
  const msg = (o: Outcome) =>
    "text" in o
      ? "renders"
      : `${o.error}: ${(o.message ?? "")
          .replace(/^.*?:\d+:\d+: /, "")
          .replace(/ \(in '.*'\)$/s, "")
          .replace(/'[^']*' (is undefined|has no)/g, "'…' $1")
          .replace(/\d+/g, "N")
          .slice(0, 90)}`;
  return `${d.verdict} | python ${msg(d.python)} | sparklane ${msg(d.sparklane)}`;
}

/** The long-lived Python side. One request per line, answers in order. */
export class JinjaServer {
  private child: ChildProcessWithoutNullStreams;
  private waiting: Array<(o: Outcome) => void> = [];
  private lastAnswer = Date.now();
  private readonly watchdog: NodeJS.Timeout;
  readonly ready: Promise<string>;

  constructor(python = "python3") {
    this.child = spawn(python, [SERVER], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    this.child.stdin.on("error", () => {}); // a dead server is reported by "close" below
    this.child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const lines = createInterface({ input: this.child.stdout });
    let onReady: (env: string) => void;
    let onFail: (e: Error) => void;
    this.ready = new Promise((res, rej) => ((onReady = res), (onFail = rej)));
    let first = true;
    // A case that stalls Python (none should: the generator bounds every construct) kills the server, and the
    // run fails naming it, instead of hanging the test.
    this.watchdog = setInterval(() => {
      if (this.waiting.length && Date.now() - this.lastAnswer > STALL_MS) this.child.kill("SIGKILL");
    }, 1000);
    this.watchdog.unref();
    lines.on("line", (line) => {
      this.lastAnswer = Date.now();
      const msg = JSON.parse(line) as Outcome & { ready?: boolean; environment?: string };
      if (first) {
        first = false;
        onReady(msg.environment ?? "?");
        return;
      }
      this.waiting.shift()?.(msg);
    });
    this.child.on("close", (code) => {
      clearInterval(this.watchdog);
      const err = new Error(`jinja_server.py exited (${code}): ${stderr.slice(-2000)}`);
      onFail(err);
      for (const w of this.waiting.splice(0)) w({ error: "ServerDied", message: err.message });
    });
  }

  render(c: FuzzCase): Promise<Outcome> {
    return new Promise((res) => {
      if (!this.waiting.length) this.lastAnswer = Date.now();
      this.waiting.push(res);
      this.child.stdin.write(
        `${JSON.stringify({ id: c.id, source: c.source, conf: c.conf, ts: c.ts, params: c.params, varValues: c.varValues })}\n`,
      );
    });
  }

  close(): void {
    this.child.stdin.end();
  }
}

/** Why the fuzzer cannot run here (no python3 or no jinja2), or null. */
export function pythonUnavailable(python = "python3"): string | null {
  const r = spawnSync(python, ["-c", "import jinja2; print(jinja2.__version__)"], { encoding: "utf8" });
  if (r.status !== 0)
    return `${python} with jinja2 is not available: ${(r.stderr || String(r.error)).trim()}`;
  return null;
}

export interface FuzzRun {
  stats: FuzzStats;
  divergences: Divergence[];
}

/** Generates and compares `count` cases from `seed`, pipelined through the Python server in chunks. */
export async function runFuzz(opts: {
  seed: number;
  count: number;
  start?: number;
  allow?: AllowEntry[];
  python?: string;
}): Promise<FuzzRun> {
  const server = new JinjaServer(opts.python);
  const environment = await server.ready;
  const allow = opts.allow ?? [];
  const byVerdict: Record<Verdict, number> = {
    same: 0,
    text: 0,
    "sparklane-error": 0,
    "python-error": 0,
    "error-class": 0,
    crash: 0,
  };
  const stats: FuzzStats = {
    cases: 0,
    pythonRenders: 0,
    divergentRenders: 0,
    divergentErrors: 0,
    crashes: 0,
    environment,
    byVerdict,
  };
  const divergences: Divergence[] = [];
  const start = opts.start ?? 0;
  const CHUNK = 200;
  try {
    for (let i = start; i < start + opts.count; i += CHUNK) {
      const cases = Array.from({ length: Math.min(CHUNK, start + opts.count - i) }, (_, j) =>
        genCase(opts.seed, i + j),
      );
      const pending = cases.map((c) => server.render(c));
      const local = cases.map((c) => sparklaneOutcome(c));
      const remote = await Promise.all(pending);
      for (const [j, c] of cases.entries()) {
        const py = remote[j]!;
        const sl = local[j]!;
        if ("error" in py && py.error === "ServerDied")
          throw new Error(`case ${c.id} (seed ${opts.seed}): ${py.message}\n${c.source}`);
        const verdict = verdictOf(py, sl);
        stats.cases++;
        byVerdict[verdict]++;
        if ("text" in py) stats.pythonRenders++;
        if (verdict === "same") continue;
        if (verdict === "crash") stats.crashes++;
        else if ("text" in py) stats.divergentRenders++;
        else stats.divergentErrors++;
        const d: Divergence = { case: c, verdict, python: py, sparklane: sl };
        const hay = describe(d);
        d.allowed = allow.find((a) => a.pattern.test(hay))?.name;
        divergences.push(d);
      }
    }
  } finally {
    server.close();
  }
  return { stats, divergences };
}

/** The template split into tags, outputs, comments and text: the pieces the minimizer removes. */
function pieces(source: string): string[] {
  return source.match(/\{%[\s\S]*?%\}|\{\{[\s\S]*?\}\}|\{#[\s\S]*?#\}|[^{]+|\{/g) ?? [];
}

const closerOf = (p: string) => /^\{%[-+]?\s*end(if|for|macro|call|filter|with|set|raw)\b/.exec(p)?.[1];
const openerOf = (p: string) => {
  const m = /^\{%[-+]?\s*(if|for|macro|call|filter|with|raw)\b/.exec(p);
  if (m) return m[1];
  return /^\{%[-+]?\s*set\s+[\w.]+\s*(\|[^%]*)?[-+]?%\}$/.test(p) ? "set" : undefined;
};

/**
 * Shrinks a divergent case while it keeps diverging the same way (same verdict and signature): drops pieces,
 * whole blocks, block tags around their body, and payload keys. Greedy, bounded by `budget` trials.
 */
export async function minimize(
  server: JinjaServer,
  d: Divergence,
  allow: AllowEntry[] = [],
  budget = 400,
): Promise<Divergence> {
  const want = signature(d);
  let best = d;
  let trials = 0;
  const attempt = async (c: FuzzCase): Promise<boolean> => {
    if (trials++ >= budget) return false;
    const py = await server.render(c);
    const sl = sparklaneOutcome(c);
    const verdict = verdictOf(py, sl);
    if (verdict === "same") return false;
    const cand: Divergence = { case: c, verdict, python: py, sparklane: sl };
    if (signature(cand) !== want) return false;
    const hay = describe(cand);
    if (allow.some((a) => a.pattern.test(hay))) return false; // shrunk into a documented difference
    best = cand;
    return true;
  };
  let progress = true;
  while (progress && trials < budget) {
    progress = false;
    const ps = pieces(best.case.source);
    // whole blocks and unwrapped blocks first, then single pieces, from the end
    for (let i = ps.length - 1; i >= 0 && !progress; i--) {
      const kind = openerOf(ps[i]!);
      if (!kind) continue;
      let depth = 0;
      let j = i;
      for (; j < ps.length; j++) {
        if (openerOf(ps[j]!) === kind) depth++;
        else if (closerOf(ps[j]!) === kind && --depth === 0) break;
      }
      if (j >= ps.length) continue;
      const drop = [...ps.slice(0, i), ...ps.slice(j + 1)].join("");
      const unwrap = [...ps.slice(0, i), ...ps.slice(i + 1, j), ...ps.slice(j + 1)].join("");
      if (await attempt({ ...best.case, source: drop })) progress = true;
      else if (await attempt({ ...best.case, source: unwrap })) progress = true;
    }
    for (let i = ps.length - 1; i >= 0 && !progress; i--) {
      if (openerOf(ps[i]!) || closerOf(ps[i]!)) continue;
      if (await attempt({ ...best.case, source: [...ps.slice(0, i), ...ps.slice(i + 1)].join("") }))
        progress = true;
    }
    if (!progress) {
      const conf = JSON.parse(best.case.conf) as Record<string, unknown>;
      for (const k of Object.keys(conf)) {
        const rest = { ...conf };
        delete rest[k];
        if (await attempt({ ...best.case, conf: JSON.stringify(rest) })) {
          progress = true;
          break;
        }
      }
    }
  }
  return best;
}
