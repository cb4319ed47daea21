import { InfraError } from "../errors.js";
import { redactUrl } from "./token.js";

/**
 * Asks the repository which Basic realm it wants, with one unauthenticated GET. Ivy only hands out
 * credentials whose realm equals the server's challenge exactly, and a wrong guess fails every
 * private resolution with a bare 401, so asking beats guessing. `--realm` skips this.
 */
export async function discoverRealm(url: string, signal: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { method: "GET", redirect: "manual", signal });
    await res.body?.cancel();
  } catch (err) {
    const why = signal.aborted
      ? "timed out or stopped"
      : ((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message);
    throw new InfraError(
      `cannot reach ${redactUrl(url)} to read its auth realm (${why})`,
      "pass --realm to skip the lookup",
    );
  }
  const header = res.headers.get("www-authenticate") ?? "";
  const m = /basic\s+realm="([^"]*)"/i.exec(header) ?? /basic\s+realm=([^\s,]+)/i.exec(header);
  if (res.status !== 401 || !m) {
    throw new InfraError(
      `${redactUrl(url)} answered HTTP ${res.status} without a Basic realm challenge, so the realm for Ivy's credentials is unknown`,
      "pass --realm with the realm the registry announces",
    );
  }
  return m[1];
}
