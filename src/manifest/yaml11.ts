// Plain-scalar resolution exactly as PyYAML's SafeLoader does it (resolver.py + constructor.py, 6.x).
// `yaml`'s own yaml-1.1 schema differs where it matters for manifests: it reads y/n as booleans, `09`
// and `1e3` as numbers and `2024-1-1` as a date, all of which PyYAML (and so Airflow) keeps as strings.
// Timestamps become the string the Kubernetes Python client sends for a date/datetime (isoformat).
import type { ScalarTag, Tags } from "yaml";

const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TIMESTAMP =
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/;
const TIMESTAMP_PARTS =
  /^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:(?:[Tt]|[ \t]+)([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]*))?(?:[ \t]*(Z|([-+])([0-9]{1,2})(?::([0-9]{2}))?))?)?$/;

type OnError = (message: string) => void;

function sexagesimal(digits: string): number {
  let value = 0;
  for (const part of digits.split(":")) value = value * 60 + Number(part);
  return value;
}

/** PyYAML construct_yaml_int. */
export function pyInt(source: string, onError: OnError): number {
  let s = source.replace(/_/g, "");
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  let value: number;
  if (s === "0") value = 0;
  else if (s.startsWith("0b")) value = parseInt(s.slice(2), 2);
  else if (s.startsWith("0x")) value = parseInt(s.slice(2), 16);
  else if (s.startsWith("0")) value = parseInt(s, 8);
  else if (s.includes(":")) value = sexagesimal(s);
  else value = Number(s);
  if (!Number.isFinite(value)) onError(`cannot read ${JSON.stringify(source)} as an integer`);
  return sign * value;
}

/** PyYAML construct_yaml_float. */
export function pyFloat(source: string, onError: OnError): number {
  let s = source.replace(/_/g, "").toLowerCase();
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === ".inf") return sign * Infinity;
  if (s === ".nan") return NaN;
  const value = s.includes(":") ? sexagesimal(s) : Number(s);
  if (Number.isNaN(value)) onError(`cannot read ${JSON.stringify(source)} as a float`);
  return sign * value;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** PyYAML construct_yaml_timestamp, then Python's isoformat() as the Kubernetes client serialises it. */
export function pyTimestamp(source: string, onError: OnError): string {
  const m = TIMESTAMP_PARTS.exec(source);
  if (!m) {
    onError(`cannot read ${JSON.stringify(source)} as a timestamp`);
    return source;
  }
  const [, y, mo, d, hh, mm, ss, frac, tz, tzSign, tzH, tzM] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || probe.getUTCDate() !== day || probe.getUTCMonth() !== month - 1) {
    onError(`${JSON.stringify(source)} is not a calendar date (PyYAML refuses it)`);
    return source;
  }
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (hh === undefined) return date;
  const hour = Number(hh);
  const minute = Number(mm);
  const second = Number(ss);
  if (hour > 23 || minute > 59 || second > 59) {
    onError(`${JSON.stringify(source)} is not a valid time of day (PyYAML refuses it)`);
    return source;
  }
  let out = `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}`;
  const micro = frac ? Number(frac.slice(0, 6).padEnd(6, "0")) : 0;
  if (micro !== 0) out += `.${pad(micro, 6)}`;
  if (tz === "Z") out += "+00:00";
  else if (tz) out += `${tzSign}${pad(Number(tzH))}:${pad(Number(tzM ?? "0"))}`;
  return out;
}

const boolTag: ScalarTag = {
  tag: "tag:yaml.org,2002:bool",
  default: true,
  identify: (v) => typeof v === "boolean",
  test: new RegExp(`${BOOL_TRUE.source}|${BOOL_FALSE.source}`),
  resolve: (s, onError) => {
    if (BOOL_TRUE.test(s)) return true;
    if (BOOL_FALSE.test(s)) return false;
    onError(`cannot read ${JSON.stringify(s)} as a boolean`);
    return s;
  },
};

const intTag: ScalarTag = {
  tag: "tag:yaml.org,2002:int",
  default: true,
  identify: (v) => typeof v === "number" && Number.isInteger(v),
  test: INT,
  resolve: (s, onError) => pyInt(s, onError),
};

const floatTag: ScalarTag = {
  tag: "tag:yaml.org,2002:float",
  default: true,
  identify: (v) => typeof v === "number",
  test: FLOAT,
  resolve: (s, onError) => pyFloat(s, onError),
};

const timestampTag: ScalarTag = {
  tag: "tag:yaml.org,2002:timestamp",
  default: true,
  identify: () => false,
  test: TIMESTAMP,
  resolve: (s, onError) => pyTimestamp(s, onError),
};

// PyYAML resolves a lone `=` to tag:yaml.org,2002:value, which SafeLoader cannot construct.
const valueTag: ScalarTag = {
  tag: "tag:yaml.org,2002:value",
  default: true,
  identify: () => false,
  test: /^=$/,
  resolve: (s, onError) => {
    onError("a plain `=` is the YAML 1.1 value key, which PyYAML safe_load refuses; quote it");
    return s;
  },
};

/** The same constructors for explicit tags (`!!float 1`), which `yaml` only matches on tags without a `test`. */
const explicit = (t: ScalarTag): ScalarTag => ({
  tag: t.tag,
  default: false,
  identify: () => false,
  resolve: (...args: Parameters<NonNullable<ScalarTag["resolve"]>>) => t.resolve(...args),
});

const KEEP = new Set(["tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:str"]);

/**
 * Order matters: the first tag whose `test` matches a plain scalar wins, as in PyYAML's resolver, where
 * the candidate patterns are disjoint anyway. Explicit-only tags (`!!binary`, `!!set`, `!!omap`,
 * `!!pairs`) are left out on purpose so they surface as unresolved tags and are refused.
 */
export function pyyamlTags(defaults: Tags): Tags {
  const tagOf = (t: Tags[number]): string => (typeof t === "string" ? t : t.tag);
  const kept = defaults.filter((t) => KEEP.has(tagOf(t)) || tagOf(t) === "tag:yaml.org,2002:null");
  const merge = defaults.find((t) => tagOf(t) === "tag:yaml.org,2002:merge");
  const implicit = [boolTag, intTag, floatTag, timestampTag];
  return [...kept, ...implicit, valueTag, ...implicit.map(explicit), ...(merge ? [merge] : [])];
}
