#!/usr/bin/env node
// Generates the SparkApplication v1beta2 JSON schema and its ajv standalone validator from the operator's CRD.
//
//   node scripts/gen-crd-schema.mjs [CRD.yaml] [--out DIR] [--check]
//
// The schema is made strict the way the API server's `fieldValidation=Strict` is: unknown fields are refused
// wherever the CRD lists `properties`, except in subtrees marked `x-kubernetes-preserve-unknown-fields`
// (the schemaless pod `template`). The validator is precompiled so the CLI never compiles a schema at
// start-up. Identical subschemas (core/v1 Container, Affinity, ...) are hoisted into `$defs` once, which
// keeps the generated code about a quarter of the size. `--check` compares with the files on disk and
// exits 1 on drift instead of writing.
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import Ajv from "ajv";
import standaloneCode from "ajv/dist/standalone/index.js";
import { transformSync } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const check = args.includes("--check");
const outIdx = args.indexOf("--out");
const outDir = outIdx >= 0 ? args[outIdx + 1] : join(root, "src/manifest/generated");
const crdPath =
  args.find((a, i) => !a.startsWith("--") && (outIdx < 0 || i !== outIdx + 1)) ??
  join(root, "../shared/schemas/sparkoperator.k8s.io_sparkapplications.yaml");

const INT32 = { minimum: -2147483648, maximum: 2147483647 };

/** The CRD gives `metadata: {type: object}`; the API server validates ObjectMeta strictly itself. */
const stringMap = { type: "object", additionalProperties: { type: "string" } };
const objectMeta = {
  type: "object",
  additionalProperties: false,
  properties: {
    name: { type: "string" },
    generateName: { type: "string" },
    namespace: { type: "string" },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: "array", items: { type: "string" } },
    ownerReferences: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["apiVersion", "kind", "name", "uid"],
        properties: {
          apiVersion: { type: "string" },
          kind: { type: "string" },
          name: { type: "string" },
          uid: { type: "string" },
          controller: { type: "boolean" },
          blockOwnerDeletion: { type: "boolean" },
        },
      },
    },
    uid: { type: "string" },
    resourceVersion: { type: "string" },
    generation: { type: "integer" },
    creationTimestamp: { type: ["string", "null"] },
    deletionTimestamp: { type: "string" },
    deletionGracePeriodSeconds: { type: "integer" },
    selfLink: { type: "string" },
    managedFields: { type: "array", items: { type: "object" } },
  },
};

function strictify(node) {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  const open = node["x-kubernetes-preserve-unknown-fields"] === true;
  for (const [k, v] of Object.entries(node)) {
    // Documentation and server-side hints: not validation, and they would bloat the generated code.
    if (k === "description" || k === "default" || k === "example" || k.startsWith("x-kubernetes-")) continue;
    if (k === "format") {
      if (v === "int32")
        Object.assign(out, { minimum: Math.max(node.minimum ?? INT32.minimum, INT32.minimum) });
      if (v === "int32")
        Object.assign(out, { maximum: Math.min(node.maximum ?? INT32.maximum, INT32.maximum) });
      // int64 and date-time carry no check a JS number or a manifest author can act on; the server has them.
      continue;
    }
    if (k === "minimum" || k === "maximum") {
      if (!(k in out)) out[k] = v;
      continue;
    }
    if (k === "properties" || k === "patternProperties") {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, strictify(s)]));
      continue;
    }
    out[k] = strictify(v);
  }
  if (node["x-kubernetes-int-or-string"] === true && !out.anyOf) {
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  }
  if (out.properties && !open && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}

/** Canonical JSON (sorted keys) so identical subschemas compare equal. */
function canon(node) {
  if (Array.isArray(node)) return `[${node.map(canon).join(",")}]`;
  if (node === null || typeof node !== "object") return JSON.stringify(node);
  return `{${Object.keys(node)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canon(node[k])}`)
    .join(",")}}`;
}

/**
 * Hoists into `$defs` every object subschema that occurs more than once, and every big one. Besides sharing
 * code, this splits the validator into small functions: V8 compiles a function on its first call, so a
 * manifest that never uses `sidecars` never pays for compiling the Container validator.
 */
function dedupe(schema) {
  const seen = new Map();
  const count = (node, name) => {
    if (Array.isArray(node)) return node.forEach((n) => count(n, name));
    if (node === null || typeof node !== "object") return;
    for (const [k, v] of Object.entries(node)) {
      if (k === "properties") for (const [p, s] of Object.entries(v)) count(s, p);
      else if (k === "items") count(v, `${name}Item`);
      else count(v, name);
    }
    if (!node.properties && !node.items) return;
    const key = canon(node);
    if (key.length < 400) return;
    const e = seen.get(key) ?? { n: 0, name, big: key.length > 1500 };
    e.n++;
    seen.set(key, e);
  };
  count(schema, "root");
  const defs = {};
  const names = new Map();
  const used = new Set();
  for (const [key, e] of [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (e.n < 2 && !e.big) continue;
    let name = e.name.replace(/[^A-Za-z0-9]/g, "");
    for (let i = 2; used.has(name); i++) name = `${e.name}${i}`;
    used.add(name);
    names.set(key, name);
  }
  const replace = (node, top) => {
    if (Array.isArray(node)) return node.map((n) => replace(n, false));
    if (node === null || typeof node !== "object") return node;
    const key = !top && (node.properties || node.items) ? canon(node) : undefined;
    if (key && names.has(key)) {
      const name = names.get(key);
      if (!(name in defs)) {
        defs[name] = null; // reserve, so recursion does not loop
        defs[name] = replace(node, true);
      }
      return { $ref: `#/$defs/${name}` };
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] =
        k === "properties" || k === "patternProperties"
          ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, replace(s, false)]))
          : replace(v, false);
    }
    return out;
  };
  const body = replace(schema, true);
  const sortedDefs = Object.fromEntries(
    Object.keys(defs)
      .sort()
      .map((k) => [k, defs[k]]),
  );
  return { ...body, $defs: sortedDefs };
}

export function generate(crdText) {
  const crd = parse(crdText);
  const version = crd?.spec?.versions?.find((v) => v.name === "v1beta2");
  const source = version?.schema?.openAPIV3Schema;
  if (!source) throw new Error("no v1beta2 openAPIV3Schema in the CRD");
  const strict = strictify(source);
  // The operator writes status; a manifest that carries one is a template bug, and leaving the status
  // subtree out halves the generated validator.
  delete strict.properties.status;
  strict.additionalProperties = false; // kubeconform's DENY_ROOT_ADDITIONAL_PROPERTIES; the server agrees
  strict.required = [...new Set([...(strict.required ?? []), "apiVersion", "kind", "metadata", "spec"])];
  strict.properties = {
    ...strict.properties,
    apiVersion: { type: "string", enum: [`${crd.spec.group}/v1beta2`] },
    kind: { type: "string", enum: [crd.spec.names.kind] },
    metadata: objectMeta,
  };
  const schema = {
    $schema: "http://json-schema.org/draft-07/schema#",
    $id: `https://sparklane.invalid/schemas/${crd.spec.names.singular}-v1beta2.json`,
    title: `${crd.spec.names.kind} ${crd.spec.group}/v1beta2 (strict)`,
    ...dedupe(strict),
  };

  const ajv = new Ajv({
    code: { source: true, esm: true, optimize: true },
    allErrors: true,
    strict: true,
    strictTypes: false, // the CRD puts `pattern` next to int-or-string `anyOf`, as Kubernetes allows
    strictRequired: false,
    messages: false, // messages are written by src/manifest/schema.ts from params, smaller code
    inlineRefs: false,
  });
  const validate = ajv.compile(schema);
  let code = standaloneCode(ajv, validate);
  // Node's ESM resolver needs the file extension for ajv's runtime helpers (ajv has no `exports` map).
  code = code.replace(/require\("ajv\/dist\/runtime\/([a-z0-9]+)"\)/g, 'require("ajv/dist/runtime/$1.js")');
  code = code.replace(/from "ajv\/dist\/runtime\/([a-z0-9]+)"/g, 'from "ajv/dist/runtime/$1.js"');
  // schemaPath is never read (src/manifest/schema.ts maps instancePath, keyword and params), and dropping
  // it plus minifying takes the module from ~520 kB to well under 400 kB: V8 parses it on every CLI start.
  code = code.replace(/schemaPath:"[^"\\]*",/g, "");
  // The standalone code already embeds the root schema (for enums and property lookups); exporting it lets
  // the checker find the allowed field names for did-you-mean without loading the schema a second time.
  const rootConst = /const (schema\d+) = \{"\$schema"/.exec(code)?.[1];
  if (!rootConst)
    throw new Error("ajv standalone output no longer embeds the root schema; update the generator");
  code += `\nexport { ${rootConst} as schema };\n`;
  code = transformSync(code, { minify: true, format: "esm", target: "node20", legalComments: "none" }).code;
  const header = `// Generated by scripts/gen-crd-schema.mjs from the SparkApplication CRD. Do not edit.\n/* eslint-disable */\n// @ts-nocheck\n`;
  return {
    "sparkapplication.schema.json": `${JSON.stringify(schema, null, 2)}\n`,
    "validate-sparkapplication.js": header + code + "\n",
    "validate-sparkapplication.d.ts":
      "// Generated by scripts/gen-crd-schema.mjs. Do not edit.\n" +
      'import type { ErrorObject } from "ajv";\n' +
      "declare const validate: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };\n" +
      "/** The strict schema the validator was compiled from (with `$defs`). */\n" +
      "export declare const schema: Record<string, unknown>;\n" +
      "export default validate;\n",
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = generate(readFileSync(crdPath, "utf8"));
  if (check) {
    const drift = Object.entries(files).filter(([name, text]) => {
      try {
        return readFileSync(join(outDir, name), "utf8") !== text;
      } catch {
        return true;
      }
    });
    for (const [name] of drift)
      process.stderr.write(`drift: ${join(outDir, name)} differs from ${crdPath}\n`);
    process.exit(drift.length ? 1 : 0);
  }
  mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  process.stdout.write(
    Object.entries(files)
      .map(([n, t]) => `${join(outDir, n)} (${t.length} bytes)\n`)
      .join(""),
  );
}
