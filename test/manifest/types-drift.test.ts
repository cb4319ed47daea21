// The SparkApplication types are generated from the same CRD JSON schema as the validator; a stale file fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { manifestTypes } from "../../scripts/gen-manifest-types.js";
import { checkSchema } from "../../src/manifest/index.js";
import type { SparkApplication } from "../../src/manifest/index.js";

test("src/manifest/generated/sparkapplication.ts matches the schema (run `npx tsx scripts/gen-manifest-types.ts`)", async () => {
  const committed = readFileSync(
    new URL("../../src/manifest/generated/sparkapplication.ts", import.meta.url),
    "utf8",
  );
  assert.equal(committed, await manifestTypes());
});

test("a value of the generated type is one the schema accepts, and the type refuses what the schema refuses", () => {
  const app: SparkApplication = {
    apiVersion: "sparkoperator.k8s.io/v1beta2",
    kind: "SparkApplication",
    metadata: { name: "a", namespace: "spark" },
    spec: {
      type: "Python",
      mode: "cluster",
      sparkVersion: "4.0.1",
      mainApplicationFile: "local:///app/m/s.py",
      driver: { cores: 1, memory: "1g" },
      executor: { instances: 1, cores: 1, memory: "1g" },
    },
  };
  assert.deepEqual(checkSchema(app as unknown as Record<string, unknown>), []);
  // @ts-expect-error -- an unknown field is a type error, as the strict schema refuses it
  const bad: SparkApplication = { ...app, spec: { ...app.spec, driverr: {} } };
  assert.ok(checkSchema(bad as unknown as Record<string, unknown>).length > 0);
});
