// Writes docs/payload.schema.json (for editors and Airflow Param validation) from the one zod schema.
// test/payload/schema-drift.test.ts fails when the committed file is stale: run `npx tsx scripts/gen-payload-schema.ts`.
import { writeFileSync } from "node:fs";
import { z } from "zod";
import { payloadSchema } from "../src/payload/schema.js";

export function payloadJsonSchema(): string {
  const schema = z.toJSONSchema(payloadSchema, { unrepresentable: "any" });
  return `${JSON.stringify({ title: "sparklane trigger payload (Airflow dag_run.conf)", ...schema }, null, 2)}\n`;
}

if (process.argv[1]?.endsWith("gen-payload-schema.ts")) {
  writeFileSync(new URL("../docs/payload.schema.json", import.meta.url), payloadJsonSchema());
}
