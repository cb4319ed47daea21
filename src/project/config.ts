// `sparklane.yaml`: one zod schema for the project file; the type is inferred from it.
import * as z from "zod";
import { limitsSchema } from "../payload/schema.js";
import { extraKeysSchema } from "../payload/extra-keys.js";

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
type Json = z.infer<typeof scalar> | Json[] | { [k: string]: Json };
const json: z.ZodType<Json> = z.lazy(() => z.union([scalar, z.array(json), z.record(z.string(), json)]));

export const projectConfigSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, {
        error: "expected a DNS-1123 label such as visits-etl",
      })
      .describe("Project name: ETL_PROJECT_NAME in the pods, and the artifact prefix in the store."),
    templates: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe(
        "Airflow template search path(s), relative to the project. Default: sparklane's built-in templates.",
      ),
    triggers: z
      .string()
      .default("triggers")
      .describe("Folder of sample trigger payloads (*.json), used by validate."),
    dag_id: z
      .string()
      .default("generic_spark_etl")
      .describe("Default dag.dag_id when --dag-id is not given."),
    task_id: z
      .string()
      .default("submit_spark_etl")
      .describe("Default task.task_id when --task-id is not given."),
    variables: z
      .record(z.string(), json)
      .default({})
      .describe("Airflow Variables, seen by templates as var.value."),
    params: z.record(z.string(), json).default({}).describe("DAG params, seen by templates as params."),
    payload: z
      .object({
        limits: limitsSchema.default(limitsSchema.parse({})),
        extra_keys: extraKeysSchema.default({}),
      })
      .strict()
      .default({ limits: limitsSchema.parse({}), extra_keys: {} }),
    policy: z
      .object({
        allowedImages: z
          .array(z.string())
          .optional()
          .describe("Image allow-list: exact names, or prefixes ending in '*'. Unset = any image."),
      })
      .strict()
      .default({}),
    local: z.record(z.string(), json).optional().describe("Settings for run --local (see docs/local.md)."),
    bake: z
      .object({
        base: z.string().optional().describe("Base image of the pre-baked image (sparklane bake --base)."),
        registry: z
          .string()
          .optional()
          .describe("REGISTRY/REPOSITORY the pre-baked images are pushed to; the tag is the fingerprint."),
      })
      .strict()
      .optional()
      .describe("Defaults for sparklane bake, bake --check and --variant auto (see docs/images.md)."),
  })
  .strict();

export type ProjectConfig = z.infer<typeof projectConfigSchema>;
