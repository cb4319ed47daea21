// Private JARs: ivysettings.xml generation, token providers and the refresh daemon (`sparklane ivy-settings`).
import { IvyMetrics } from "./metrics.js";
import { IvyRefresher, type RefresherDeps } from "./refresher.js";
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
