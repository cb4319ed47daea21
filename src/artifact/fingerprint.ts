// The dependency fingerprint: one hash naming everything a venv + JAR set is built from. The pre-baked
// image records it, the code artifact's manifest carries it, and code-only bootstrap compares the two.
// (The lead's contract puts this function in src/runtime/fingerprint.ts; it lives here until that lands.)
import { createHash } from "node:crypto";

export interface ArtifactFingerprintInputs {
  readonly uvLock: string | Buffer;
  readonly pyproject: string | Buffer;
  readonly jarCoordinates: readonly string[];
  readonly python?: string;
  readonly spark?: string;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** `sha256:<hex>` over a canonical JSON of the inputs; JAR order and duplicates do not matter. */
export function dependencyFingerprint(inputs: ArtifactFingerprintInputs): string {
  const canonical = JSON.stringify({
    v: 1,
    uvLock: sha256(inputs.uvLock),
    pyproject: sha256(inputs.pyproject),
    jars: [...new Set(inputs.jarCoordinates.map((j) => j.trim()).filter(Boolean))].sort(),
    python: inputs.python ?? null,
    spark: inputs.spark ?? null,
  });
  return `sha256:${sha256(canonical)}`;
}
