// The artifact manifest: embedded in the archive as `manifest.json` and published next to it with the
// archive's own digest added. Bootstrap trusts only the published copy (fetched from the store, never from
// the trigger payload) and checks the archive, then every file, against it.
import * as z from "zod";
import { InfraError, UserError } from "../errors.js";

export const MANIFEST_FILE = "manifest.json";
export const ARCHIVE_FILE = "artifact.tar.gz";

/** Versions are path segments in the store and label-ish values in pods: keep them boring. */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;
const sha = z.string().regex(/^[0-9a-f]{64}$/);

export const fileEntrySchema = z
  .object({ sha256: sha, size: z.number().int().nonnegative(), mode: z.number().int() })
  .strict();

export const embeddedManifestSchema = z
  .object({
    schema: z.literal(1),
    project: z.string().min(1),
    version: z.string().regex(VERSION_PATTERN),
    fingerprint: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    modules: z.array(z.string()),
    files: z.record(z.string(), fileEntrySchema),
  })
  .strict();

export const publishedManifestSchema = embeddedManifestSchema
  .extend({ archive: z.object({ sha256: sha, size: z.number().int().nonnegative() }).strict() })
  .strict();

export type EmbeddedManifest = z.infer<typeof embeddedManifestSchema>;
export type PublishedManifest = z.infer<typeof publishedManifestSchema>;

export function checkVersion(version: string, flag = "--version"): string {
  if (version === "latest")
    throw new UserError(`${flag}: 'latest' is a pointer, not a version name`, "give a version such as 1.4.0");
  if (!VERSION_PATTERN.test(version)) {
    throw new UserError(
      `${flag}: expected a version made of letters, digits, '.', '_', '+', '-' (max 128, starting with a letter or digit), found '${version}'`,
    );
  }
  return version;
}

export function parsePublishedManifest(text: string, where: string): PublishedManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new InfraError(`${where}: published manifest is not valid JSON (${(err as Error).message})`);
  }
  const result = publishedManifestSchema.safeParse(raw);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new InfraError(
      `${where}: published manifest is malformed at ${first.path.join(".") || "(root)"}: ${first.message}`,
    );
  }
  return result.data;
}

/** Stable JSON: keys in insertion order, which the builders fix by sorting, two-space indent, final newline. */
export function manifestJson(m: EmbeddedManifest | PublishedManifest): string {
  return `${JSON.stringify(m, null, 2)}\n`;
}
