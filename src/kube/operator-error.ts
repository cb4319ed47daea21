// The operator's errorMessage on SUBMISSION_FAILED is spark-submit's whole stderr: a stack trace of a
// hundred lines or more. People need one line of it, and the API server's refusal when there is one (the
// real reason a driver pod was not created). Pure.

export interface OperatorErrorSummary {
  /** The line that says what went wrong, at most `max` characters. */
  keyLine: string;
  /** The API server's refusal quoted by spark-submit's Kubernetes client, e.g. `Pod "x" is invalid: ...`. */
  refusal?: string;
  /** How many lines the full message has. */
  lines: number;
}

// fabric8's KubernetesClientException: "Failure executing: POST at: <url>. Message: <api message>. Received
// status: Status(...)".
const REFUSAL = /Failure executing: (\w+) at: (\S+?)\. Message: ([^\n]*?)\.? Received status:/;
const KEY = /(Exception|Error)\b[^\n]*?:|\berror:|\bfailed\b/i;

function cut(s: string, max: number): string {
  const t = s.trim();
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

export function summarizeOperatorError(message: string, max = 240): OperatorErrorSummary {
  const lines = message.split("\n").filter((l) => l.trim() !== "");
  const r = REFUSAL.exec(message);
  const refusal = r ? cut(`${r[1]} ${r[2]}: ${r[3]}`, 400) : undefined;
  // Stack frames ("\tat ...", "... 12 more") never carry the reason.
  const candidates = lines.filter((l) => !/^\s+at |^\s*\.\.\. \d+ more|^\s*Caused by: /.test(l));
  const key = candidates.find((l) => KEY.test(l)) ?? candidates[0] ?? lines[0] ?? "";
  // When the key line is the client exception itself, the refusal already says it better.
  const keyLine =
    r && key.includes("Failure executing") ? cut(key.replace(/ at: .*$/, ""), max) : cut(key, max);
  return { keyLine, refusal, lines: lines.length };
}

/** True when the text is too long for one line of output. */
export function isLong(message: string | undefined, max = 240): boolean {
  return !!message && (message.includes("\n") || message.length > max);
}
