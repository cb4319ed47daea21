// What a token provider hands back, how it is checked, and how secrets are kept out of text.
import { InfraError } from "../errors.js";

export interface Token {
  /** The secret itself. Never logged, never put into an error message or a metric. */
  readonly value: string;
  /** When the registry stops accepting it; unknown for plain env/file tokens. */
  readonly expiresAt?: Date;
}

const MAX_TOKEN_LENGTH = 16 * 1024;

/**
 * Refuses values that would not survive as an Ivy attribute. XML escaping protects the XML, but Ivy
 * substitutes `${name}` in every attribute after parsing, and there is no escape for it, so a token
 * holding `${` would be silently rewritten. Whitespace or control characters mean the provider
 * printed something else (an error page, a prompt). The message describes the value, never quotes it.
 */
export function checkToken(source: string, value: string, expiresAt?: Date): Token {
  const problem =
    value.length === 0
      ? "it is empty"
      : value.length > MAX_TOKEN_LENGTH
        ? `it is ${value.length} characters long (at most ${MAX_TOKEN_LENGTH})`
        : !/^[\x21-\x7e]+$/.test(value)
          ? `it holds whitespace, control or non-ASCII characters (length ${value.length})`
          : value.includes("${")
            ? "it holds `${`, which Ivy would substitute as a variable"
            : undefined;
  if (problem) throw new InfraError(`token provider ${source} returned an unusable token: ${problem}`);
  if (expiresAt !== undefined && Number.isNaN(expiresAt.getTime())) {
    throw new InfraError(`token provider ${source} returned an unreadable expiry time`);
  }
  return expiresAt === undefined ? { value } : { value, expiresAt };
}

/**
 * Reads provider output: either the bare token, or JSON holding `token` (or CodeArtifact's
 * `authorizationToken`) and an optional `expiration` (ISO 8601, or epoch seconds / milliseconds).
 * The JSON form matches `aws codeartifact get-authorization-token --output json`.
 */
export function parseTokenOutput(source: string, raw: string): Token {
  const text = raw.trim();
  if (!text.startsWith("{")) return checkToken(source, text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new InfraError(`token provider ${source} printed text starting with "{" that is not valid JSON`);
  }
  const obj = data as Record<string, unknown>;
  const value = typeof obj.token === "string" ? obj.token : obj.authorizationToken;
  if (typeof value !== "string") {
    throw new InfraError(
      `token provider ${source} printed JSON without a string "token" or "authorizationToken" key`,
    );
  }
  return checkToken(source, value, parseExpiry(source, obj.expiration));
}

function parseExpiry(source: string, v: unknown): Date | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return new Date(v < 1e12 ? v * 1000 : v);
  if (typeof v === "string") {
    const d = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new InfraError(
    `token provider ${source} printed an "expiration" that is neither ISO 8601 nor epoch seconds`,
  );
}

/** Drops the whole userinfo (not only the password: single-part `token@host` leaks too). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "***";
    u.password = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^/@\s]*@/, "//***@");
  }
}

/** Replaces every occurrence of each secret; used on text that came from outside (a command's stderr). */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("***");
  return out;
}
