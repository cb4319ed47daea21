// The trigger payload (Airflow `dag_run.conf`): one zod schema is the source of the types, the checks and the
// docs (`docs/payload.schema.json` is generated from it). It validates; it never rewrites what the template sees.
import * as z from "zod";
import {
  CONFIG_PATH,
  ISO_DATE,
  isCalendarDate,
  isLabelKey,
  LABEL_VALUE,
  LABEL_VALUE_MAX,
  memoryMiB,
  PLAIN_NAME,
  SCRIPT_NAME,
  SPARK_MEMORY,
  VERSION,
} from "./patterns.js";

/** Caps on sizing keys; a project can change them in `sparklane.yaml` under `payload.limits`. */
export const limitsSchema = z
  .object({
    max_cores: z
      .number()
      .int()
      .min(1)
      .default(64)
      .describe("Largest driver_cores / executor_cores accepted."),
    max_executor_instances: z
      .number()
      .int()
      .min(1)
      .default(500)
      .describe("Largest executor_instances accepted."),
    max_memory: z
      .string()
      .regex(SPARK_MEMORY)
      .default("512g")
      .describe("Largest driver_memory / executor_memory accepted, in Spark's format."),
  })
  .strict();
export type Limits = z.infer<typeof limitsSchema>;
export const defaultLimits: Limits = limitsSchema.parse({});

const date = (what: string) =>
  z
    .string({ error: `expected a ${what} as a "YYYY-MM-DD" string` })
    .regex(ISO_DATE, { error: `expected a ${what} as a "YYYY-MM-DD" string` })
    .refine(isCalendarDate, { error: `expected a real calendar date in YYYY-MM-DD form (${what})` });

const labelKey = z.string().refine(isLabelKey, {
  error:
    "expected a Kubernetes label key: [prefix/]name, name <= 63 chars of [A-Za-z0-9_.-], alphanumeric at both ends",
});
const LABEL_VALUE_ERROR =
  "expected a Kubernetes label value: <= 63 chars of [A-Za-z0-9_.-], alphanumeric at both ends";
const labelValue = z
  .string()
  .max(LABEL_VALUE_MAX, { error: LABEL_VALUE_ERROR })
  .regex(LABEL_VALUE, { error: LABEL_VALUE_ERROR });

const matchExpression = z
  .object({
    key: labelKey,
    operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"], {
      error: "expected one of In, NotIn, Exists, DoesNotExist, Gt, Lt",
    }),
    values: z.array(labelValue).max(64).optional(),
  })
  .strict()
  .superRefine((expr, ctx) => {
    const n = expr.values?.length ?? 0;
    if ((expr.operator === "In" || expr.operator === "NotIn") && n === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["values"],
        message: `operator ${expr.operator} needs a non-empty values list`,
      });
    }
    if ((expr.operator === "Exists" || expr.operator === "DoesNotExist") && n > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["values"],
        message: `operator ${expr.operator} takes no values`,
      });
    }
    if (
      (expr.operator === "Gt" || expr.operator === "Lt") &&
      (n !== 1 || !/^-?[0-9]+$/.test(expr.values![0]))
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["values"],
        message: `operator ${expr.operator} needs exactly one integer value, e.g. ["17"]`,
      });
    }
  });

const preference = z
  .object({
    weight: z.number({ error: "expected an integer weight from 1 to 100" }).int().min(1).max(100).optional(),
    matchExpressions: z
      .array(matchExpression)
      .min(1, { error: "expected at least one match expression" })
      .max(32),
  })
  .strict();

/** The seed's keys. Sizing caps come from `limits`. */
export function payloadShape(limits: Limits = defaultLimits) {
  const cores = (key: string) =>
    z
      .number({ error: `expected a positive integer number of cores (${key})` })
      .int({ error: "expected a whole number" })
      .min(1, { error: "expected at least 1" })
      .max(limits.max_cores, { error: `expected at most ${limits.max_cores} (payload.limits.max_cores)` });
  const memory = z
    .string({ error: 'expected a Spark memory string such as "512m" or "20g"' })
    .regex(SPARK_MEMORY, { error: 'expected a Spark memory string such as "512m" or "20g"' })
    .refine((v) => memoryMiB(v)! > 0, { error: "expected more than nothing" })
    .refine((v) => memoryMiB(v)! <= memoryMiB(limits.max_memory)!, {
      error: `expected at most ${limits.max_memory} (payload.limits.max_memory)`,
    });
  return {
    etl_module: z
      .string({ error: "expected the module folder name" })
      .regex(PLAIN_NAME, {
        error: "expected a plain module name ([A-Za-z_][A-Za-z0-9_]*), with no path parts",
      })
      .describe("Module folder in the project, e.g. visits_distinct. Required."),
    etl_script: z
      .string({ error: "expected the script file name" })
      .regex(SCRIPT_NAME, {
        error: "expected a plain .py file name in the module folder, with no path parts",
      })
      .describe("Python script in the module folder, e.g. visits_distinct_daily.py. Required."),
    config_file: z
      .string({ error: "expected a config path relative to the module folder" })
      .regex(CONFIG_PATH, {
        error:
          "expected a relative .yaml/.yml/.json path inside the module folder, e.g. config/dev-daily.yaml (no '..', no leading '/')",
      })
      .describe("App config, relative to the module folder, e.g. config/dev-daily.yaml. Required."),
    process_date: date("process date").optional().describe("Date a daily run processes (--process-date)."),
    start_date: date("start date").optional().describe("First date a bulk run processes (--start-date)."),
    etl_version: z
      .string()
      .regex(VERSION, { error: "expected 'latest' or a version such as 1.4.2 or 2026.03.15-abc123" })
      .optional()
      .describe("Published code artifact version. Default in the templates: latest."),
    driver_cores: cores("driver_cores").optional().describe("Driver cores. Template default: 6 (seed)."),
    driver_memory: memory.optional().describe("Driver memory, Spark format. Template default: 20g (seed)."),
    executor_instances: z
      .number({ error: "expected a positive integer number of executors" })
      .int({ error: "expected a whole number" })
      .min(1, { error: "expected at least 1" })
      .max(limits.max_executor_instances, {
        error: `expected at most ${limits.max_executor_instances} (payload.limits.max_executor_instances)`,
      })
      .optional()
      .describe("Executor count. Template default: 4 (seed)."),
    executor_cores: cores("executor_cores")
      .optional()
      .describe("Cores per executor. Template default: 7 (seed)."),
    executor_memory: memory
      .optional()
      .describe("Memory per executor, Spark format. Template default: 22g (seed)."),
    executor_node_labels: z
      .record(labelKey, labelValue)
      .optional()
      .describe('Extra executor nodeSelector labels, e.g. {"spark-role": "mem-intensive"}.'),
    executor_node_affinity: z
      .array(preference)
      .max(16)
      .optional()
      .describe(
        "Soft executor node affinity: [{weight 1..100, matchExpressions: [{key, operator, values}]}].",
      ),
    sparkapp_suffix: z
      .enum(["", "-pre-baked"], { error: 'expected "" (standard image) or "-pre-baked"' })
      .optional()
      .describe('Template variant: "" = standard, "-pre-baked" (default, as in the seed\'s DAG).'),
  };
}

export const payloadSchema = z.object(payloadShape()).strict();
/** A checked trigger payload. */
export type Payload = z.infer<typeof payloadSchema>;
export const knownKeys: readonly string[] = Object.keys(payloadShape());
export const requiredKeys = ["etl_module", "etl_script", "config_file"] as const;
