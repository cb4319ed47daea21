import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { payloadJsonSchema } from "../../scripts/gen-payload-schema.js";

test("docs/payload.schema.json matches the zod schema (run `npx tsx scripts/gen-payload-schema.ts` to update)", () => {
  const committed = readFileSync(new URL("../../docs/payload.schema.json", import.meta.url), "utf8");
  assert.equal(committed, payloadJsonSchema());
  const schema = JSON.parse(committed) as { required: string[]; additionalProperties: boolean };
  assert.deepEqual(schema.required, ["etl_module", "etl_script", "config_file"]);
  assert.equal(schema.additionalProperties, false);
});
