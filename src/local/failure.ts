// A failed job in a few lines: the Python error and Spark's cause, picked out of spark-submit's output.
const LOG4J = /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d (TRACE|DEBUG|INFO|WARN|ERROR|FATAL) /;
const JAVA_EXCEPTION = /^(?:java|javax|org|scala|io|com|py4j)\.[\w.$]+(?:Exception|Error)\b(?::.*)?$/;

export interface FailureSummary {
  /** The exception line of the last Python traceback ("ConfigError: ..."). */
  readonly python?: string;
  /** The innermost Java cause, else the first ERROR Spark logged, else the last Java exception printed. */
  readonly spark?: string;
}

export function summariseFailure(lines: readonly string[]): FailureSummary {
  let python: string | undefined;
  let inTraceback = false;
  for (const line of lines) {
    if (line.startsWith("Traceback (most recent call last):")) {
      inTraceback = true;
      continue;
    }
    if (inTraceback && /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*/.test(line)) {
      python = line.trim();
      inTraceback = false;
    }
  }
  const causes = lines
    .filter((l) => l.startsWith("Caused by: "))
    .map((l) => l.slice("Caused by: ".length).trim());
  const errors = lines
    .filter((l) => LOG4J.test(l) && / (ERROR|FATAL) /.test(l))
    .map((l) => l.replace(LOG4J, "").trim());
  const javaExceptions = lines.filter((l) => JAVA_EXCEPTION.test(l.trim())).map((l) => l.trim());
  const clip = (s: string | undefined): string | undefined =>
    s && s.length > 400 ? `${s.slice(0, 400)}...` : s;
  return { python: clip(python), spark: clip(causes.at(-1) ?? errors[0] ?? javaExceptions.at(-1)) };
}

/**
 * What `run --local` shows while Spark runs. spark-submit's stderr is Spark's own: log4j records of every level
 * with their continuation lines (multi-line messages, stack frames, query plans), the JVM's notices and Ivy's
 * resolution report. Deciding line by line misread the continuation of a multi-line INFO record as the job's
 * output, so the rule is by stream: stderr goes only to the run's log file (and, on failure, into the summary),
 * stdout is the job's own output (print) and is shown. `--verbose` shows everything.
 */
export function isConsoleWorthy(_line: string, stream: "stdout" | "stderr"): boolean {
  return stream === "stdout";
}
