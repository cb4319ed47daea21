// Private JARs: ivysettings.xml generation, token providers and the refresh daemon (`sparklane ivy-settings`).
import { IvyMetrics } from "./metrics.js";
import { IvyRefresher, type IvyLogger, type RefresherDeps } from "./refresher.js";
import { startHealthServer } from "./server.js";
import type { IvySettingsPlan } from "./config.js";
import { SettingsWriter, type WriterFs } from "./writer.js";

export {
  planIvySettings,
  parseDuration,
  providerNames,
  defaultListen,
  type IvySettingsFlags,
  type IvySettingsPlan,
} from "./config.js";
export {
  renderIvySettings,
  xmlEscape,
  credentialsHost,
  type IvySettingsSpec,
  type PublicRepo,
  type PrivateRepo,
} from "./settings.js";
export { checkToken, parseTokenOutput, redactUrl, redactSecrets, type Token } from "./token.js";
export { SettingsWriter, checkOutputFolder, type WriterFs, type WriterOptions } from "./writer.js";
export {
  IvyRefresher,
  defaultTiming,
  type Timing,
  type RepoRef,
  type RefresherConfig,
  type RefresherDeps,
  type RefreshResult,
  type Health,
  type IvyLogger,
} from "./refresher.js";
export { IvyMetrics } from "./metrics.js";
export { startHealthServer, type HealthServer } from "./server.js";
export { discoverRealm } from "./realm.js";
export type { TokenProvider } from "./providers/types.js";
export { envProvider } from "./providers/env.js";
export { fileProvider } from "./providers/file.js";
export { execProvider } from "./providers/exec.js";
export { codeArtifactProvider, type CodeArtifactOptions } from "./providers/codeartifact.js";

/** Wires a plan (from the flags) into a refresher with its writer and metrics. */
export function createIvyRefresher(
  plan: IvySettingsPlan,
  deps: RefresherDeps & { fs?: WriterFs } = {},
): { refresher: IvyRefresher; metrics: IvyMetrics; writer: SettingsWriter } {
  const metrics = new IvyMetrics();
  const writer = new SettingsWriter(plan.out, {
    ...(plan.gid !== undefined ? { gid: plan.gid } : {}),
    ...(deps.fs ? { fs: deps.fs } : {}),
  });
  const refresher = new IvyRefresher(
    {
      provider: plan.provider,
      writer,
      cacheDir: plan.cacheDir,
      ...(plan.centralRoot !== undefined ? { centralRoot: plan.centralRoot } : {}),
      privateFirst: plan.privateFirst,
      publicRepos: plan.publicRepos,
      privateRepos: plan.privateRepos,
      timing: plan.timing,
      metrics,
    },
    deps,
  );
  return { refresher, metrics, writer };
}

/**
 * The sidecar (`ivy-settings --watch`): the refresher and its /healthz and /metrics server run until `signal`
 * aborts; then the refresher stops and the server closes.
 */
export async function runIvySidecar(
  plan: IvySettingsPlan,
  o: { readonly log: IvyLogger; readonly signal: AbortSignal },
): Promise<void> {
  const { refresher, metrics } = createIvyRefresher(plan, { log: o.log });
  const server = await startHealthServer(plan.listen, refresher, metrics);
  o.log.info("ivy-settings sidecar started", {
    provider: plan.providerName,
    out: plan.out,
    serving: `${server.url}/healthz ${server.url}/metrics`,
    intervalS: plan.timing.intervalMs / 1000,
    refreshBeforeS: plan.timing.refreshBeforeMs / 1000,
    marginS: plan.timing.marginMs / 1000,
  });
  try {
    refresher.start(o.signal);
    await new Promise<void>((resolve) => {
      if (o.signal.aborted) return resolve();
      o.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    await refresher.stop();
    await server.close();
  }
}
