// Kubernetes and Spark syntax rules shared by the payload schema and the project config.
// Every pattern is anchored and excludes whitespace, quotes, `:` + space and `#`, so a value that passes
// can never change YAML structure when a template interpolates it.
import { qualifiedName } from "../manifest/k8s.js";

// Label syntax is Kubernetes' own, checked the same way for payload keys and for the rendered manifest.
export { LABEL_VALUE } from "../manifest/k8s.js";
/** Longest label value (and label name part) Kubernetes accepts. */
export const LABEL_VALUE_MAX = 63;

/** A label key: `[prefix/]name`, as apimachinery's qualified-name rule. */
export function isLabelKey(key: string): boolean {
  return qualifiedName(key) === undefined;
}

// Spark memory strings: one grammar and one reading of a bare number (MiB), in manifest/quantity.ts.
export { SPARK_MEMORY, memoryMiB } from "../manifest/quantity.js";

/** A Python module or folder name: no path parts. */
export const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
/** A Python script file name in the module folder: no path parts. */
export const SCRIPT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}\.py$/;
/** A config file path relative to the module folder: plain segments, no `.`/`..`, no leading `/`. */
export const CONFIG_PATH = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*){0,7}\.(ya?ml|json)$/;
/** A published artifact version, or `latest`. */
export const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date in YYYY-MM-DD form (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

// YAML 1.1 line breaks include NEL and the Unicode line/paragraph separators, which JSON.stringify leaves raw.
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f\u0085\u2028\u2029"'\\`]/;
const UNSAFE_SEQUENCES = /: |:$| #|^[,[\]{}#&*!|>%@]|^[-?:]( |$)|\{\{|\{%|\{#/;

/**
 * Why a string could change YAML structure (or be re-rendered as a template) if interpolated, or undefined when safe.
 * Applied to every string and key in a payload, whatever its schema says, as a second line of defence.
 */
export function yamlUnsafeReason(value: string): string | undefined {
  const ch = UNSAFE_CHARS.exec(value);
  if (ch) {
    const c = ch[0];
    const code = c.codePointAt(0)!;
    const shown =
      code < 0x20 || code === 0x7f || code > 0x7e
        ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}`
        : `'${c}'`;
    return `contains ${shown}, which could change the manifest's YAML structure`;
  }
  const seq = UNSAFE_SEQUENCES.exec(value);
  if (seq) return `contains '${seq[0]}', which could change the manifest's YAML structure`;
  return undefined;
}
