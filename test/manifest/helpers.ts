// Builds manifests for table-driven tests: the seed's pre-baked template rendered with the seed's daily
// payload (a committed fixture), changed by a mutator, written back as YAML and parsed like a render.
import { readFileSync } from "node:fs";
import { stringify } from "yaml";
import { parseManifest, checkManifest } from "../../src/manifest/index.js";
import type { CheckOptions, ManifestIssue, ParsedManifest } from "../../src/manifest/index.js";

export const fixtureText = (name: string): string =>
  readFileSync(new URL(`fixtures/${name}.yaml`, import.meta.url), "utf8");

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function seedDoc(name = "visits-daily"): Doc {
  return parseManifest(fixtureText(name), `${name}.yaml`).doc as Doc;
}

export function build(mutate: (d: Doc) => void, name = "visits-daily"): ParsedManifest {
  const doc = seedDoc(name);
  mutate(doc);
  return parseManifest(stringify(doc, { version: "1.1" }), "app.yaml");
}

export function issues(mutate: (d: Doc) => void, options: CheckOptions = {}, name?: string): ManifestIssue[] {
  return [...checkManifest(build(mutate, name), options).issues];
}
