// Extra payload keys a project declares in `sparklane.yaml` (`payload.extra_keys`), with their types.
import * as z from "zod";
import { isCalendarDate, LABEL_VALUE, LABEL_VALUE_MAX } from "./patterns.js";

export const extraKeySpecSchema = z
  .object({
    type: z.enum(["string", "integer", "number", "boolean", "date", "label-value"]),
    description: z.string().optional(),
    required: z.boolean().default(false),
    /** For strings: an anchored regular expression the value must match. Structure characters are refused anyway. */
    pattern: z.string().optional(),
    enum: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    min: z.number().optional(),
    max: z.number().optional(),
  })
  .strict();
export const extraKeysSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), extraKeySpecSchema);
export type ExtraKeys = z.infer<typeof extraKeysSchema>;

/** The zod schema for one declared key. */
export function extraKeySchema(key: string, spec: ExtraKeys[string]): z.ZodType {
  let s: z.ZodType;
  switch (spec.type) {
    case "integer":
    case "number": {
      let n = z.number({ error: `expected ${spec.type === "integer" ? "an integer" : "a number"} (${key})` });
      if (spec.type === "integer") n = n.int({ error: "expected a whole number" });
      if (spec.min !== undefined) n = n.min(spec.min);
      if (spec.max !== undefined) n = n.max(spec.max);
      s = n;
      break;
    }
    case "boolean":
      s = z.boolean({ error: "expected true or false" });
      break;
    case "date":
      s = z
        .string({ error: "expected a YYYY-MM-DD string" })
        .refine(isCalendarDate, { error: "expected a real calendar date in YYYY-MM-DD form" });
      break;
    case "label-value":
      s = z
        .string()
        .max(LABEL_VALUE_MAX, { error: "expected a Kubernetes label value (at most 63 characters)" })
        .regex(LABEL_VALUE, { error: "expected a Kubernetes label value" });
      break;
    default: {
      let str = z
        .string({ error: "expected a string" })
        .max(spec.max ?? 253, { error: `expected at most ${spec.max ?? 253} characters` });
      if (spec.pattern)
        str = str.regex(new RegExp(spec.pattern), { error: `expected a value matching ${spec.pattern}` });
      s = str;
    }
  }
  if (spec.enum) {
    const allowed = spec.enum;
    s = s.refine((v) => allowed.includes(v as never), {
      error: `expected one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}`,
    });
  }
  return spec.required ? s : s.optional();
}
