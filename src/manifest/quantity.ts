// Spark memory strings ("512m", "20g"): the one grammar, parser and formatter for the payload schema, the
// manifest rules and the local plan.
//
// The grammar is Spark's JavaUtils.byteStringAs: digits, then an optional unit from the table below, any case.
// Fractions ("1.5g") are refused, as Spark refuses them. Spark also trims surrounding whitespace; we do not,
// because every value we read sits in YAML or a payload where whitespace would be a mistake, not a size.
//
// A bare number: spark.driver.memory, spark.executor.memory and their memoryOverhead keys are declared
// `bytesConf(ByteUnit.MiB)` in Spark's config/package.scala ("in MiB unless otherwise specified"), and
// byteStringAs uses that unit when no suffix is given. Every memory value sparklane reads is one of those, so
// a bare number is MiB here, always. (Only byte-unit settings such as spark.*.maxResultSize read it as
// bytes; sparklane reads none of them.)

const KiB = 1024;
const MiB = 1024 * KiB;
/** Bytes per unit, as byteStringAs' suffix table (lower case). */
const UNIT_BYTES: Readonly<Record<string, number>> = {
  b: 1,
  k: KiB,
  kb: KiB,
  m: MiB,
  mb: MiB,
  g: 1024 * MiB,
  gb: 1024 * MiB,
  t: 1024 * 1024 * MiB,
  tb: 1024 * 1024 * MiB,
  p: 1024 * 1024 * 1024 * MiB,
  pb: 1024 * 1024 * 1024 * MiB,
};

/** The grammar as one anchored pattern (also what the payload's JSON schema publishes). */
export const SPARK_MEMORY = new RegExp(`^[0-9]+(${Object.keys(UNIT_BYTES).join("|")})?$`, "i");

/** A Spark memory string in MiB (a bare number is MiB, see above), or undefined when it is not one. */
export function memoryMiB(text: string): number | undefined {
  if (!SPARK_MEMORY.test(text)) return undefined;
  const m = /^([0-9]+)([a-z]*)$/i.exec(text)!;
  const unit = m[2].toLowerCase();
  return (Number(m[1]) * (unit === "" ? MiB : UNIT_BYTES[unit])) / MiB;
}

/** What is wrong with a memory string, in words, or undefined. */
export function sparkMemoryProblem(text: string): string | undefined {
  if (SPARK_MEMORY.test(text)) return undefined;
  if (/^[0-9]+\.[0-9]+[a-z]*$/i.test(text))
    return "must be a whole Spark memory size: Spark refuses fractions (write 1536m, not 1.5g)";
  return "must be a Spark memory size: digits with an optional unit b, k, m, g, t or p (e.g. 512m, 20g)";
}

/** MiB as a memory string every reader accepts (JVM -Xmx included): whole g, else whole m, else whole k. */
export function formatMiB(mib: number): string {
  if (mib % 1024 === 0) return `${mib / 1024}g`;
  return Number.isInteger(mib) ? `${mib}m` : `${Math.ceil(mib * 1024)}k`;
}

/**
 * The string itself when the JVM reads it as Spark does (`-Xmx` takes k/m/g/t without `b`, and a bare
 * number as bytes), else the same size re-spelt: spark-submit passes driver memory to the JVM verbatim.
 */
export function jvmMemory(text: string): string | undefined {
  const mib = memoryMiB(text);
  if (mib === undefined) return undefined;
  return /^[0-9]+[kmgt]$/i.test(text) ? text : formatMiB(mib);
}

// Kubernetes resource quantities ("500m", "2", "1.5Gi", "26.4Gi", "1e3"): the API server's grammar (the one the
// generated schema's `quantity` pattern publishes), read as a number of base units (cores, bytes). Not the Spark
// memory grammar above: a bare number here is bytes or cores, and "m" means milli, not MiB.
const KUBE_QUANTITY =
  /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))?$/;
const KUBE_SUFFIX: Readonly<Record<string, number>> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity in base units (cores for cpu, bytes for memory), or undefined when it is not one. */
export function kubeQuantity(q: string | number | undefined): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (q === undefined) return undefined;
  const m = KUBE_QUANTITY.exec(q);
  if (!m) return undefined;
  const n = Number(m[1]);
  const s = m[2];
  if (s === undefined) return n;
  if (/^[eE]/.test(s)) return n * 10 ** Number(s.slice(1));
  // Rounded to whole nano-units: 0.1 cores * 3 must stay 0.3, not 0.30000000000000004.
  return Math.round(n * KUBE_SUFFIX[s] * 1e9) / 1e9;
}
