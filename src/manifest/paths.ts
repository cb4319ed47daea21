import type { ManifestPath } from "./types.js";

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `spec.driver.initContainers[0].image`, `spec.sparkConf["spark.master"]`. */
export function formatPath(path: ManifestPath): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** JSON pointer (ajv's instancePath) to path segments; array indexes stay strings, lineOf copes. */
export function pointerToPath(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Plain-object test that does not trust prototypes (payload-derived data may carry odd ones). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function get(obj: unknown, ...path: Array<string | number>): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (Array.isArray(cur) && typeof seg === "number") cur = cur[seg];
    else if (isRecord(cur) && typeof seg === "string" && Object.hasOwn(cur, seg)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}
