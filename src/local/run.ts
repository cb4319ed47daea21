// `run --local`: render and check exactly as `render` does, make sure the runtime exists (built once per
// fingerprint for pre-baked, fresh per run for standard), then run spark-submit on this machine and report.
import { createWriteStream, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { JobFailedError, InterruptedError, UserError, type Issue } from "../errors.js";
import type { PreparedRequest, Rendered, Variant } from "../render/index.js";
import { cacheRoot, ensureRuntime, type Ensured } from "../runtime/cache.js";
import { computeFingerprint, normaliseCoordinates, type Fingerprint } from "../runtime/fingerprint.js";
import { detectJava, detectUv, hostFacts, pythonRequest, type HostFacts } from "../runtime/host.js";
import { readProjectLock } from "../runtime/lockfile.js";
import { runProcess } from "../runtime/process.js";
import { lockProject, syncVenv, venvPythonVersion, type Venv } from "../runtime/venv.js";
import { readTimeline, phasesFrom, type Phases, type SparkTimeline } from "./events.js";
import { isConsoleWorthy, summariseFailure, type FailureSummary } from "./failure.js";
import { applicationFiles, checkApplicationFiles, mapAppPath } from "./paths.js";
import { planLocal, type LocalPlan } from "./plan.js";

export type LocalRunEvent =
  | {
      readonly kind: "rendered";
      readonly variant: Variant;
      readonly templateFile: string;
      readonly manifestName: string;
      /** The manifest's labels (DAG, task, date, module, variant, run id): what the run is attributed to. */
      readonly labels: Readonly<Record<string, string>>;
      /** The Airflow context it was rendered with (dag id, task id, ds, run id). */
      readonly context: Rendered["context"];
    }
  | { readonly kind: "warning"; readonly issue: Issue }
  | { readonly kind: "step"; readonly message: string }
  | {
      readonly kind: "runtime";
      readonly cache: RuntimeCacheState;
      readonly fingerprint: string;
      readonly dir: string;
      readonly ms: number;
    }
  | { readonly kind: "submit"; readonly command: readonly string[]; readonly runDir: string }
  | { readonly kind: "output"; readonly line: string; readonly console: boolean };

/** hit/miss/rebuilt: the pre-baked cache; fresh: the standard variant's per-run venv. */
export type RuntimeCacheState = "hit" | "miss" | "rebuilt" | "fresh";

export interface LocalRunRequest {
  readonly prepared: PreparedRequest;
  /** When sparklane started (epoch ms): the origin of time-to-first-job and total. */
  readonly started: number;
  readonly signal?: AbortSignal;
  readonly env?: NodeJS.ProcessEnv;
  readonly host?: HostFacts;
  readonly onEvent?: (event: LocalRunEvent) => void;
  /** Render-and-check step; the real one unless a caller already holds rendered manifests. */
  readonly render?: (req: PreparedRequest) => Promise<Rendered>;
  /** Where relative I/O paths of app configs resolve; default the project folder (`--from-artifact` keeps the
   * working tree's data while the code comes from the artifact). */
  readonly dataRoot?: string;
}

export interface RunReport {
  readonly ok: boolean;
  readonly status: "succeeded" | "failed" | "interrupted";
  readonly project: string;
  readonly module?: string;
  readonly variant: Variant;
  readonly application: string;
  readonly runDir: string;
  readonly logFile: string;
  readonly eventLog: readonly string[];
  readonly runtime: {
    readonly cache: RuntimeCacheState;
    readonly fingerprint: string;
    readonly dir: string;
    readonly python: string;
    readonly spark: string;
    readonly java: string;
    readonly jars: readonly string[];
    readonly packages: readonly string[];
    readonly reason?: string;
  };
  readonly plan: {
    readonly master: string;
    readonly driverMemory: string;
    readonly command: readonly string[];
    readonly dropped: Readonly<Record<string, string>>;
  };
  readonly phases: Phases;
  readonly spark?: SparkTimeline;
  readonly exitCode: number | null;
  readonly failure?: FailureSummary;
  readonly warnings: readonly Issue[];
}

function runStamp(now: number, module: string | undefined): string {
  const iso = new Date(now).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${iso}-${module ?? "app"}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The pre-baked image carries the standard variant's JARs: render that variant to learn their coordinates. */
async function bakedCoordinates(
  req: PreparedRequest,
  render: (req: PreparedRequest) => Promise<Rendered>,
  warn: (i: Issue) => void,
): Promise<Packages> {
  let standard: Rendered;
  try {
    standard = await render({ ...req, variant: "standard", template: undefined });
  } catch (err) {
    warn({
      where: "variant standard",
      message: `could not be rendered to learn the JARs the pre-baked runtime carries (${(err as Error).message.split("\n")[0]}); running without extra JARs`,
    });
    return { coordinates: [] };
  }
  const conf = standard.manifest.spec.sparkConf ?? {};
  const settings =
    typeof conf["spark.jars.ivySettings"] === "string" ? conf["spark.jars.ivySettings"] : undefined;
  const local = settings && req.project ? (mapAppPath(settings, req.project.dir) ?? settings) : undefined;
  return {
    coordinates: normaliseCoordinates(conf["spark.jars.packages"]),
    ivySettings: local && existsSync(local) ? local : undefined,
  };
}

type Emit = (event: LocalRunEvent) => void;
type Warn = (issue: Issue) => void;
type Render = (req: PreparedRequest) => Promise<Rendered>;
type Packages = { coordinates: string[]; ivySettings?: string };

/** The runtime a run executes in, whichever variant built it. */
interface ReadyRuntime {
  readonly venv: Venv;
  readonly jars: readonly string[];
  readonly cache: RuntimeCacheState;
  readonly dir: string;
  readonly reason?: string;
  readonly ivyDir?: string;
}

/** What spark-submit did: its exit code and last lines, or that it was interrupted. */
interface Submission {
  readonly plan: LocalPlan;
  readonly command: readonly string[];
  readonly exitCode: number | null;
  readonly interrupted: boolean;
  readonly tail: readonly string[];
  readonly submitted: number;
  readonly ended: number;
}

function requireProject(req: LocalRunRequest): NonNullable<PreparedRequest["project"]> {
  const project = req.prepared.project;
  if (!project) {
    throw new UserError(
      "run --local needs a project: the module scripts and configs are run from its folder",
      "pass --project DIR (a folder with sparklane.yaml), or run from such a folder",
    );
  }
  return project;
}

/** Step 1: render and check exactly as `render` does; then the files the payload names must exist here. */
async function renderChecked(
  req: LocalRunRequest,
  render: Render,
  projectDir: string,
  emit: Emit,
  warn: Warn,
): Promise<{ rendered: Rendered; files: ReturnType<typeof applicationFiles> }> {
  const rendered = await render(req.prepared);
  const metadata = rendered.manifest.metadata;
  emit({
    kind: "rendered",
    variant: rendered.variant,
    templateFile: rendered.templateFile,
    manifestName: typeof metadata.name === "string" ? metadata.name : "",
    context: rendered.context,
    labels: Object.fromEntries(
      Object.entries(metadata.labels ?? {}).filter((e): e is [string, string] => typeof e[1] === "string"),
    ),
  });
  for (const w of rendered.warnings) warn(w);
  const files = applicationFiles(rendered.manifest, projectDir);
  checkApplicationFiles(files, projectDir);
  return { rendered, files };
}

/** A project with a pyproject.toml but no lock is locked once, so every later run is `--frozen`. */
async function lockIfUnlocked(
  projectDir: string,
  uv: string,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal | undefined,
  emit: Emit,
): Promise<void> {
  if (existsSync(join(projectDir, "uv.lock")) || !existsSync(join(projectDir, "pyproject.toml"))) return;
  emit({ kind: "step", message: `no uv.lock in ${projectDir}: locking the dependencies once (uv lock)` });
  await lockProject({
    uv,
    projectDir,
    env,
    signal,
    onLine: (line) => emit({ kind: "output", line, console: false }),
  });
}

/** The JAR coordinates of the run: the manifest's own for standard, the baked image's for pre-baked. */
async function packagesFor(
  rendered: Rendered,
  req: PreparedRequest,
  render: Render,
  warn: Warn,
): Promise<Packages> {
  if (rendered.variant !== "standard") return bakedCoordinates(req, render, warn);
  const sparkConf = rendered.manifest.spec.sparkConf ?? {};
  return { coordinates: normaliseCoordinates(sparkConf["spark.jars.packages"]) };
}

/** Step 2, pre-baked: the cached runtime for this fingerprint, built once. */
async function preBakedRuntime(
  req: LocalRunRequest,
  ctx: { root: string; fingerprint: Fingerprint; uv: string; projectDir: string; packages: Packages },
  env: NodeJS.ProcessEnv,
  emit: Emit,
  warn: Warn,
): Promise<ReadyRuntime> {
  const { fingerprint } = ctx;
  const ensured: Ensured = await ensureRuntime({
    root: ctx.root,
    fingerprint,
    uv: ctx.uv,
    projectDir: ctx.projectDir,
    coordinates: ctx.packages.coordinates,
    ivySettings: ctx.packages.ivySettings,
    signal: req.signal,
    env,
    onStep: (step, detail) =>
      emit({
        kind: "step",
        message:
          step === "venv"
            ? `building the pre-baked runtime ${fingerprint.id} (once): ${detail}`
            : `resolving JARs once: ${detail}`,
      }),
    onLine: (line) => emit({ kind: "output", line, console: false }),
  });
  if (ensured.cache === "rebuilt")
    warn({
      where: ensured.runtime.dir,
      message: `cached runtime was damaged and has been rebuilt: ${ensured.reason}`,
    });
  return {
    venv: ensured.runtime.venv,
    jars: ensured.runtime.jars,
    cache: ensured.cache,
    reason: ensured.reason,
    dir: ensured.runtime.dir,
  };
}

/** Step 2, standard: a fresh venv for this run, as the init container builds one per pod; Ivy resolves JARs. */
async function standardRuntime(
  req: LocalRunRequest,
  ctx: { root: string; uv: string; projectDir: string; packages: Packages; venvDir: string },
  env: NodeJS.ProcessEnv,
  emit: Emit,
): Promise<ReadyRuntime> {
  emit({ kind: "step", message: `uv sync --frozen into a fresh venv (${ctx.venvDir})` });
  const venv = await syncVenv({
    uv: ctx.uv,
    projectDir: ctx.projectDir,
    venvDir: ctx.venvDir,
    signal: req.signal,
    env,
    onLine: (line) => emit({ kind: "output", line, console: false }),
  });
  const ivyDir = join(ctx.root, "ivy");
  if (ctx.packages.coordinates.length > 0)
    emit({
      kind: "step",
      message: `spark-submit resolves ${ctx.packages.coordinates.length} package(s) with Ivy (${ivyDir})`,
    });
  return { venv, jars: [], cache: "fresh", dir: ctx.venvDir, ivyDir };
}

/** Step 3: plan spark-submit for this machine, record the command, run it with its output in the log file. */
async function submitLocal(
  req: LocalRunRequest,
  ctx: { rendered: Rendered; projectDir: string; runDir: string; logFile: string; runtime: ReadyRuntime },
  env: NodeJS.ProcessEnv,
  emit: Emit,
  warn: Warn,
): Promise<Submission> {
  const { runtime, runDir } = ctx;
  const plan: LocalPlan = planLocal({
    manifest: ctx.rendered.manifest,
    variant: ctx.rendered.variant,
    projectDir: ctx.projectDir,
    dataRoot: req.dataRoot,
    runDir,
    runtime: {
      python: runtime.venv.python,
      sparkHome: runtime.venv.sparkHome,
      jars: runtime.jars,
      ivyDir: runtime.ivyDir,
    },
    host: req.host ?? hostFacts(),
    exists: existsSync,
  });
  for (const w of plan.warnings) warn(w);
  const command = [plan.sparkSubmit, ...plan.args];
  writeFileSync(
    join(runDir, "command.json"),
    `${JSON.stringify({ cwd: plan.cwd, env: plan.env, command }, null, 2)}\n`,
  );
  emit({ kind: "submit", command, runDir });

  const log = createWriteStream(ctx.logFile);
  let exitCode: number | null = null;
  let interrupted = false;
  let tail: readonly string[] = [];
  const submitted = Date.now();
  try {
    const result = await runProcess(plan.sparkSubmit, plan.args, {
      cwd: plan.cwd,
      env: { ...env, ...plan.env },
      signal: req.signal,
      onLine: (line, stream) => {
        log.write(`${line}\n`);
        emit({ kind: "output", line, console: isConsoleWorthy(line, stream) });
      },
    });
    exitCode = result.code;
    tail = result.tail;
  } catch (err) {
    if (!(err instanceof InterruptedError)) throw err;
    interrupted = true;
  } finally {
    await new Promise<void>((resolve) => log.end(resolve));
  }
  return { plan, command, exitCode, interrupted, tail, submitted, ended: Date.now() };
}

/** An interrupted or failed run throws, carrying its report; a succeeded one returns it. */
function settle(report: RunReport, interrupted: boolean): RunReport {
  if (interrupted)
    throw Object.assign(new InterruptedError("interrupted: the Spark process tree was stopped"), { report });
  if (!report.ok) {
    const f = report.failure ?? {};
    const lines = [`the job failed (spark-submit exit ${report.exitCode})`];
    if (f.python) lines.push(`  python: ${f.python}`);
    if (f.spark && f.spark !== f.python) lines.push(`  spark:  ${f.spark}`);
    lines.push(`  full log: ${report.logFile}`);
    throw new JobFailedError(lines.join("\n"), report);
  }
  return report;
}

export async function runLocal(req: LocalRunRequest): Promise<RunReport> {
  const emit: Emit = req.onEvent ?? (() => {});
  const env = req.env ?? process.env;
  const warnings: Issue[] = [];
  const warn: Warn = (issue) => {
    warnings.push(issue);
    emit({ kind: "warning", issue });
  };
  const project = requireProject(req);

  // Tool checks run while the template renders; bad input found by rendering still wins.
  const tools = (async () => ({ java: await detectJava(env), uv: detectUv(env) }))();
  tools.catch(() => {});

  const render = req.render ?? (await import("../render/index.js")).renderAndCheck;
  const { rendered, files } = await renderChecked(req, render, project.dir, emit, warn);
  const { java, uv } = await tools;
  await lockIfUnlocked(project.dir, uv.path, env, req.signal, emit);
  const lock = readProjectLock(project.dir);
  const packages = await packagesFor(rendered, req.prepared, render, warn);
  const fingerprint: Fingerprint = computeFingerprint({
    projectDir: project.dir,
    lock,
    jars: packages.coordinates,
    python: pythonRequest(project.dir, env),
  });
  const renderedAt = Date.now();

  const runDir = join(project.dir, ".sparklane", "runs", runStamp(renderedAt, files.module));
  mkdirSync(join(runDir, "events"), { recursive: true });
  const logFile = join(runDir, "spark-submit.log");
  const root = cacheRoot(env);
  const perRunVenv = join(runDir, "venv");
  const cleanup = (): void => {
    if (rendered.variant === "standard") rmSync(perRunVenv, { recursive: true, force: true });
  };

  let runtime: ReadyRuntime;
  let submission: Submission;
  let runtimeReady: number;
  let python = "unknown";
  try {
    const ctx = { root, uv: uv.path, projectDir: project.dir, packages };
    runtime =
      rendered.variant === "pre-baked"
        ? await preBakedRuntime(req, { ...ctx, fingerprint }, env, emit, warn)
        : await standardRuntime(req, { ...ctx, venvDir: perRunVenv }, env, emit);
    runtimeReady = Date.now();
    // Read now: the standard variant's per-run venv is removed when spark-submit ends.
    python = venvPythonVersion(runtime.venv.dir) ?? "unknown";
    emit({
      kind: "runtime",
      cache: runtime.cache,
      fingerprint: fingerprint.id,
      dir: runtime.dir,
      ms: runtimeReady - renderedAt,
    });
    submission = await submitLocal(
      req,
      { rendered, projectDir: project.dir, runDir, logFile, runtime },
      env,
      emit,
      warn,
    );
  } finally {
    cleanup();
  }

  const { plan, exitCode, interrupted } = submission;
  const { files: eventLog, timeline } = readTimeline(plan.eventLogDir);
  const ok = !interrupted && exitCode === 0;
  const report: RunReport = {
    ok,
    status: interrupted ? "interrupted" : ok ? "succeeded" : "failed",
    project: project.dir,
    module: files.module,
    variant: rendered.variant,
    application: plan.appName,
    runDir,
    logFile,
    eventLog,
    runtime: {
      cache: runtime.cache,
      fingerprint: fingerprint.id,
      dir: runtime.dir,
      python,
      spark: lock.sparkVersion,
      java: java.version ?? "unknown",
      jars: runtime.jars,
      packages: packages.coordinates,
      reason: runtime.reason,
    },
    plan: {
      master: plan.master,
      driverMemory: plan.driverMemory.used,
      command: submission.command,
      dropped: plan.dropped,
    },
    phases: phasesFrom({
      started: req.started,
      rendered: renderedAt,
      runtimeReady,
      submitted: submission.submitted,
      ended: submission.ended,
      timeline,
    }),
    spark: timeline,
    exitCode,
    failure: ok || interrupted ? undefined : summariseFailure(submission.tail),
    warnings,
  };
  writeFileSync(join(runDir, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
  return settle(report, interrupted);
}
