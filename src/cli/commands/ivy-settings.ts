import type { Command } from "commander";
import { collect } from "../output.js";
import type { IvySettingsFlags } from "../../ivy/index.js";

export function register(program: Command): void {
  program
    .command("ivy-settings")
    .description(
      "write ivysettings.xml with a fresh private-registry token; --watch keeps it fresh (the controller sidecar)",
    )
    .option("--provider <name>", "token source: codeartifact | env | file | exec")
    .option(
      "--token-file <file>",
      "file: read the token (bare, or JSON {token, expiration}) from this file, re-read on change",
    )
    .option("--token-env <name>", "env: read the token from this environment variable")
    .option(
      "--token-command <cmd>",
      "exec: run this through /bin/sh; stdout is the token or JSON {token|authorizationToken, expiration}",
    )
    .option("--domain <domain>", "codeartifact: domain")
    .option("--domain-owner <account>", "codeartifact: the domain owner's 12-digit AWS account id")
    .option(
      "--repository <repo>",
      "codeartifact: repository (its Maven endpoint is looked up unless --repo-url is given)",
    )
    .option("--region <region>", "codeartifact: AWS region (default: $AWS_REGION)")
    .option(
      "--duration <d>",
      "codeartifact: token lifetime to ask for, 15m..12h, or 0 for the session's (default: 12h)",
    )
    .option("--endpoint-url <url>", "codeartifact: API endpoint override (VPC endpoint)")
    .option("--repo-url <url>", "private Maven repository root (required except for codeartifact)")
    .option("--repo-name <name>", "resolver name of that repository (default: codeartifact | private)")
    .option(
      "--realm <realm>",
      "basic-auth realm the registry announces (default: read from its 401 challenge)",
    )
    .option("--username <user>", "user name sent with the token", "aws")
    .option(
      "--private-repo <name=url>",
      "another private repository using the same token (repeatable)",
      collect,
    )
    .option(
      "--public-repo <name=url>",
      "an extra public repository, after Maven Central (repeatable)",
      collect,
    )
    .option("--out <file>", "ivysettings.xml to write (its folder must exist and be writable)")
    .option("--cache-dir <dir>", "Ivy cache folder written into the settings", "/ivy-cache")
    .option("--central-root <url>", "Maven Central mirror root (default: Ivy's built-in Maven Central)")
    .option("--no-central", "leave Maven Central out of the chain")
    .option("--private-first", "put private repositories before Maven Central")
    .option("--group <gid>", "numeric group owning the file; mode 0640 instead of 0600")
    .option("--timeout <d>", "give up one refresh attempt after this (default 30s)")
    .option("--watch", "keep running: refresh ahead of expiry, serve /healthz and /metrics")
    .option("--interval <d>", "watch: longest wait between refreshes (default 5m)")
    .option("--refresh-before <d>", "watch: start refreshing this long before expiry (default 15m)")
    .option("--margin <d>", "watch: unhealthy when the token in the file expires within this (default 10m)")
    .option("--jitter <fraction>", "watch: shorten each wait by a random fraction up to this (default 0.1)")
    .option("--start-jitter <d>", "watch: random delay before the first refresh (default 10s)")
    .option("--backoff-max <d>", "watch: longest wait between retries after failures (default 1m)")
    .option("--listen <host:port>", "watch: address for /healthz and /metrics (default 0.0.0.0:9477)")
    .action(async (flags: IvySettingsFlags) => {
      const ivy = await import("../../ivy/index.js");
      const plan = ivy.planIvySettings(flags);
      await ivy.checkOutputFolder(plan.out);
      if (!plan.watch) {
        const { refresher } = ivy.createIvyRefresher(plan);
        const r = await refresher.refreshOnce();
        const repos = r.repos.map((x) => `${x.name} ${x.url}`).join(", ");
        const expiry = r.expiresAt ? `token expires ${r.expiresAt.toISOString()}` : "token expiry unknown";
        process.stdout.write(`${r.written ? "wrote" : "unchanged"} ${plan.out} (${repos}; ${expiry})\n`);
        return;
      }
      const { pino, destination, stdTimeFunctions } = await import("pino");
      const logger = pino(
        { base: { component: "ivy-settings" }, timestamp: stdTimeFunctions.isoTime },
        destination({ fd: 2, sync: true }),
      );
      const log = {
        info: (msg: string, f?: object) => logger.info(f ?? {}, msg),
        warn: (msg: string, f?: object) => logger.warn(f ?? {}, msg),
        error: (msg: string, f?: object) => logger.error(f ?? {}, msg),
      };
      const ctl = new AbortController();
      const stop = (sig: string) => {
        log.info("stopping", { signal: sig });
        ctl.abort();
      };
      process.once("SIGTERM", () => stop("SIGTERM"));
      process.once("SIGINT", () => stop("SIGINT"));
      await ivy.runIvySidecar(plan, { log, signal: ctl.signal });
    });
}
