// What a bake needs from the project besides its lock: the base, the registry, and the JARs the standard
// variant resolves (the pre-baked image must carry exactly those).
import { existsSync } from "node:fs";
import { UserError } from "../errors.js";
import { mapAppPath } from "../local/paths.js";
import type { PreparedRequest } from "../render/index.js";
import { normaliseCoordinates } from "../runtime/fingerprint.js";
import type { BakeTarget } from "./index.js";

/** The standard variant's spark.jars.packages and ivySettings, rendered with the request's payload. */
export async function standardJars(
  req: PreparedRequest,
): Promise<{ coordinates: string[]; ivySettings?: string }> {
  const { renderAndCheck } = await import("../render/index.js");
  const standard = await renderAndCheck({ ...req, variant: "standard", template: undefined });
  const conf = standard.manifest.spec.sparkConf ?? {};
  const settings = conf["spark.jars.ivySettings"];
  const local = settings && req.project ? (mapAppPath(settings, req.project.dir) ?? settings) : undefined;
  return {
    coordinates: normaliseCoordinates(conf["spark.jars.packages"]),
    ivySettings: local && existsSync(local) ? local : undefined,
  };
}

/** Base and registry: flags first, then sparklane.yaml `bake:`; both are needed. */
export function bakeSettings(
  req: PreparedRequest,
  flags: { base?: string; registry?: string },
  command: string,
): { base: string; registry: string } {
  const cfg = req.project?.config.bake ?? {};
  const base = flags.base ?? cfg.base;
  const registry = flags.registry ?? cfg.registry;
  if (!base || !registry) {
    throw new UserError(
      `${command} needs the ${!base ? "base image (--base IMAGE" : "registry (--registry REGISTRY/REPO"}, or bake.${!base ? "base" : "registry"} in sparklane.yaml)`,
    );
  }
  return { base, registry };
}

/** Everything `checkImage` needs, from a prepared render request. */
export async function bakeTarget(
  req: PreparedRequest,
  flags: { base?: string; registry?: string; plainHttp?: boolean },
  command: string,
): Promise<BakeTarget & { ivySettings?: string }> {
  if (!req.project) {
    throw new UserError(`${command} needs a project: pass --project DIR (a folder with sparklane.yaml)`);
  }
  const { base, registry } = bakeSettings(req, flags, command);
  const jars = await standardJars(req);
  return {
    projectDir: req.project.dir,
    base,
    registry,
    coordinates: jars.coordinates,
    ivySettings: jars.ivySettings,
    plainHttp: flags.plainHttp,
  };
}
