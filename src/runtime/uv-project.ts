// The one reader of a uv project's TOML files: pyproject.toml and uv.lock. Parsed with smol-toml (TOML 1.0),
// never scanned with regular expressions: a comment, a quoting style or a table order that a scan did not
// foresee must not change what sparklane reads. A file that is not TOML is bad input naming file:line:col.
import { parse, TomlError } from "smol-toml";
import { UserError } from "../errors.js";

type Table = Record<string, unknown>;

const isTable = (v: unknown): v is Table => v !== null && typeof v === "object" && !Array.isArray(v);

/** Parses TOML text; `file` names it in errors. */
export function parseToml(text: string, file: string): Table {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const first = err.message.split("\n")[0] ?? "";
      throw new UserError(
        `${file}:${err.line}:${err.column}: invalid TOML: ${first.replace(/^Invalid TOML document: /, "")}`,
        file.endsWith("uv.lock") ? "let uv write it again: uv lock" : "fix the TOML syntax",
      );
    }
    throw err;
  }
}

/** Names of the `[[tool.uv.index]]` entries of a pyproject.toml: what uv's credential variables are keyed on. */
export function uvIndexNames(pyproject: string, file = "pyproject.toml"): string[] {
  const tool = parseToml(pyproject, file).tool;
  const uv = isTable(tool) ? tool.uv : undefined;
  const index = isTable(uv) ? uv.index : undefined;
  if (!Array.isArray(index)) return [];
  return index.flatMap((entry) => (isTable(entry) && typeof entry.name === "string" ? [entry.name] : []));
}

export interface LockedPackage {
  readonly name: string;
  readonly version?: string;
  /** The source table's one locating key, e.g. { kind: "registry", value: "<index url>" }, { kind: "directory", value: "../pkg" }. */
  readonly source?: { kind: string; value: string };
  /** True when the lock pins an sdist or wheel of it by sha256. */
  readonly hashed: boolean;
}

/** Source kinds whose value is a path relative to the project. */
export const LOCAL_SOURCE_KINDS: ReadonlySet<string> = new Set(["directory", "editable", "path"]);
const SOURCE_KINDS = ["registry", "git", "url", "directory", "editable", "path", "virtual"] as const;

function hasSha256(pkg: Table): boolean {
  const files: unknown[] = [pkg.sdist, ...(Array.isArray(pkg.wheels) ? (pkg.wheels as unknown[]) : [])];
  return files.some((f) => isTable(f) && typeof f.hash === "string" && f.hash.startsWith("sha256:"));
}

/** The `[[package]]` entries of a uv.lock. */
export function lockedPackages(uvLock: string, file = "uv.lock"): LockedPackage[] {
  const packages = parseToml(uvLock, file).package;
  if (!Array.isArray(packages)) return [];
  return packages.flatMap((pkg): LockedPackage[] => {
    if (!isTable(pkg) || typeof pkg.name !== "string" || pkg.name === "") return [];
    const src = isTable(pkg.source) ? pkg.source : undefined;
    const kind = src && SOURCE_KINDS.find((k) => typeof src[k] === "string");
    return [
      {
        name: pkg.name,
        version: typeof pkg.version === "string" ? pkg.version : undefined,
        source: kind ? { kind, value: src[kind] as string } : undefined,
        hashed: hasSha256(pkg),
      },
    ];
  });
}
