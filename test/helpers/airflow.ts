// A venv with real Apache Airflow and the cncf.kubernetes provider, built once with uv (bytecode compiled: each
// Airflow import takes ~25 s without it) and kept in sparklane's cache folder, keyed by the versions. A venv is
// used only after it answers with the versions its name promises; a broken one is rebuilt, never trusted.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot } from "../../src/runtime/cache-root.js";

export const AIRFLOW_VERSION = "3.3.2";
export const CNCF_PROVIDER_VERSION = "10.25.0";

const VERSIONS_PY =
  "import importlib.metadata as m, sys; print(m.version('apache-airflow'), " +
  "m.version('apache-airflow-providers-cncf-kubernetes'), '%d.%d' % sys.version_info[:2])";

function run(cmd: string, args: string[], timeoutMs: number): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: timeoutMs, env: { ...process.env } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`.trim();
  return { ok: r.status === 0, out };
}

function answers(python: string, want: string): boolean {
  const r = run(python, ["-c", VERSIONS_PY], 60_000);
  return r.ok && r.out.split("\n").pop() === want;
}

/** The venv's python, or the reason it could not be created (the caller skips with it). */
export function airflowPython(): { python: string } | { skip: string } {
  const py = run("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], 30_000);
  if (!py.ok) return { skip: `no python3 to build the Airflow venv: ${py.out}` };
  const pyVersion = py.out.trim();
  const [major, minor] = pyVersion.split(".").map(Number);
  if (major !== 3 || minor! < 10 || minor! > 13)
    return { skip: `Airflow ${AIRFLOW_VERSION} needs Python 3.10 to 3.13; python3 is ${pyVersion}` };
  const want = `${AIRFLOW_VERSION} ${CNCF_PROVIDER_VERSION} ${pyVersion}`;
  const root = join(
    cacheRoot(),
    `airflow-venv-${AIRFLOW_VERSION}-cncf-${CNCF_PROVIDER_VERSION}-py${pyVersion}`,
  );
  const python = join(root, "bin", "python");
  if (existsSync(python) && answers(python, want)) return { python };

  // Build beside the final folder and rename into place, so a concurrent or interrupted build never leaves a
  // half-made venv under the final name. --relocatable makes the rename safe.
  mkdirSync(cacheRoot(), { recursive: true });
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const venv = run("uv", ["venv", "-q", "--relocatable", "--python", "python3", tmp], 120_000);
    if (!venv.ok) return { skip: `could not create the Airflow venv with uv: ${venv.out.slice(-800)}` };
    const install = run(
      "uv",
      [
        "pip",
        "install",
        "-q",
        "--compile-bytecode",
        "--python",
        join(tmp, "bin", "python"),
        `apache-airflow==${AIRFLOW_VERSION}`,
        `apache-airflow-providers-cncf-kubernetes==${CNCF_PROVIDER_VERSION}`,
      ],
      20 * 60_000,
    );
    if (!install.ok)
      return { skip: `could not install Airflow ${AIRFLOW_VERSION} into a venv: ${install.out.slice(-800)}` };
    rmSync(root, { recursive: true, force: true });
    try {
      renameSync(tmp, root);
    } catch {
      // Another process renamed its own build into place first; use that one if it answers.
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!answers(python, want)) return { skip: `the Airflow venv at ${root} does not answer with ${want}` };
  return { python };
}
