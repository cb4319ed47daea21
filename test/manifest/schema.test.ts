import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sharedSkip, sharedPath } from "../helpers/shared.js";
import { checkManifest, parseManifest } from "../../src/manifest/index.js";
import { build, fixtureText, issues, type Doc } from "./helpers.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));
const generated = join(repo, "src/manifest/generated");

test(
  "drift: regenerating from ../shared/schemas gives exactly the committed schema and validator",
  { skip: sharedSkip },
  () => {
    const out = mkdtempSync(join(tmpdir(), "sparklane-crd-"));
    try {
      const crd = sharedPath("schemas", "sparkoperator.k8s.io_sparkapplications.yaml");
      const r = spawnSync(process.execPath, ["scripts/gen-crd-schema.mjs", crd, "--out", out], {
        cwd: repo,
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      for (const name of [
        "sparkapplication.schema.json",
        "validate-sparkapplication.js",
        "validate-sparkapplication.d.ts",
      ]) {
        assert.equal(
          readFileSync(join(out, name), "utf8"),
          readFileSync(join(generated, name), "utf8"),
          `${name} drifted`,
        );
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
);

test(
  "the committed schema keeps every v1beta2 field of the CRD and closes every object with properties",
  { skip: sharedSkip },
  async () => {
    const { parse } = await import("yaml");
    const crd = parse(
      readFileSync(sharedPath("schemas", "sparkoperator.k8s.io_sparkapplications.yaml"), "utf8"),
    );
    const source = crd.spec.versions.find((v: { name: string }) => v.name === "v1beta2").schema
      .openAPIV3Schema;
    const schema = JSON.parse(readFileSync(join(generated, "sparkapplication.schema.json"), "utf8"));
    const deref = (s: any) => (s?.$ref ? schema.$defs[s.$ref.slice(8)] : s); // eslint-disable-line @typescript-eslint/no-explicit-any
    const driverSrc = Object.keys(source.properties.spec.properties.driver.properties).sort();
    const spec = deref(schema.properties.spec);
    assert.deepEqual(Object.keys(deref(spec.properties.driver).properties).sort(), driverSrc);
    assert.equal(spec.additionalProperties, false);
    assert.equal(deref(spec.properties.driver).additionalProperties, false);
    assert.equal(
      deref(spec.properties.driver).properties.template.additionalProperties,
      undefined,
      "template stays open",
    );
    assert.equal(schema.additionalProperties, false);
  },
);

for (const name of ["visits-daily", "visits-mem-intensive", "visits-standard-image"]) {
  test(`seed render ${name} passes every check`, () => {
    const parsed = parseManifest(fixtureText(name), `${name}.yaml`);
    assert.deepEqual(checkManifest(parsed).issues, []);
  });
}

const CASES: Array<{ name: string; mutate: (d: Doc) => void; path: string; message: RegExp; hint?: RegExp }> =
  [
    {
      name: "unknown top-level spec field",
      mutate: (d) => (d.spec.drvier = {}),
      path: "spec.drvier",
      message: /unknown field "drvier"/,
      hint: /did you mean "driver"\?/,
    },
    {
      name: "misspelt driver field",
      mutate: (d) => (d.spec.driver.cors = 2),
      path: "spec.driver.cors",
      message: /unknown field "cors"/,
      hint: /did you mean "cores"\?/,
    },
    {
      name: "misspelt metadata field",
      mutate: (d) => (d.metadata.lables = d.metadata.labels),
      path: "metadata.lables",
      message: /unknown field/,
      hint: /did you mean "labels"\?/,
    },
    {
      name: "unknown root field",
      mutate: (d) => (d.specs = {}),
      path: "specs",
      message: /unknown field "specs"/,
    },
    {
      name: "a status block",
      mutate: (d) => (d.status = {}),
      path: "status",
      message: /unknown field "status"/,
    },
    {
      name: "unknown field in an init container",
      mutate: (d) => (d.spec.driver.initContainers[0].imagePullPolcy = "Always"),
      path: "spec.driver.initContainers[0].imagePullPolcy",
      message: /unknown field/,
      hint: /did you mean "imagePullPolicy"/,
    },
    {
      name: "zero cores",
      mutate: (d) => (d.spec.driver.cores = 0),
      path: "spec.driver.cores",
      message: /expected a number >= 1, found the integer 0/,
    },
    {
      name: "fractional cores",
      mutate: (d) => (d.spec.executor.cores = 1.5),
      path: "spec.executor.cores",
      message: /expected an integer, found the number 1.5/,
    },
    {
      name: "cores as a string",
      mutate: (d) => (d.spec.driver.cores = "2"),
      path: "spec.driver.cores",
      message: /expected an integer, found the string "2"/,
    },
    {
      name: "instances beyond int32",
      mutate: (d) => (d.spec.executor.instances = 3_000_000_000),
      path: "spec.executor.instances",
      message: /<= 2147483647/,
    },
    {
      name: "unknown application type",
      mutate: (d) => (d.spec.type = "Pyton"),
      path: "spec.type",
      message: /expected one of "Java", "Python", "Scala", "R", found the string "Pyton"/,
    },
    {
      name: "missing sparkVersion",
      mutate: (d) => delete d.spec.sparkVersion,
      path: "spec",
      message: /required field "sparkVersion" is missing/,
    },
    {
      name: "wrong apiVersion",
      mutate: (d) => (d.apiVersion = "sparkoperator.k8s.io/v1beta1"),
      path: "apiVersion",
      message: /expected one of "sparkoperator.k8s.io\/v1beta2"/,
    },
    {
      name: "wrong kind",
      mutate: (d) => (d.kind = "ScheduledSparkApplication"),
      path: "kind",
      message: /expected one of "SparkApplication"/,
    },
    {
      name: "a label value that is not a string",
      mutate: (d) => (d.metadata.labels.x = 5),
      path: "metadata.labels.x",
      message: /expected a string, found the integer 5/,
    },
    {
      name: "a bad resource quantity",
      mutate: (d) => (d.spec.driver.initContainers[0].resources = { limits: { cpu: "two" } }),
      path: "spec.driver.initContainers[0].resources.limits.cpu",
      message: /Kubernetes quantity/,
    },
    {
      name: "an int-or-string given a boolean",
      mutate: (d) => (d.spec.driver.initContainers[0].livenessProbe = { httpGet: { port: true } }),
      path: "spec.driver.initContainers[0].livenessProbe.httpGet.port",
      message: /integer or a string/,
    },
    {
      name: "a prometheus port below 1024",
      mutate: (d) =>
        (d.spec.monitoring = {
          exposeDriverMetrics: true,
          exposeExecutorMetrics: true,
          prometheus: { jmxExporterJar: "/j.jar", port: 80 },
        }),
      path: "spec.monitoring.prometheus.port",
      message: />= 1024/,
    },
  ];

for (const c of CASES) {
  test(`schema refuses ${c.name}`, () => {
    const found = issues(c.mutate).filter((i) => i.step === "schema");
    assert.equal(found.length, 1, JSON.stringify(found, null, 1));
    assert.equal(found[0]!.path, c.path);
    assert.match(found[0]!.message, c.message);
    if (c.hint) assert.match(found[0]!.hint ?? "", c.hint);
    assert.match(found[0]!.where, new RegExp(`^app\\.yaml:\\d+:\\d+ ${c.path.replace(/[.[\]]/g, "\\$&")}$`));
  });
}

test("the schemaless pod template accepts anything the CRD does not describe", () => {
  const found = issues(
    (d) => (d.spec.driver.template = { spec: { whatever: [1, 2], nodeName: "n1" } }),
  ).filter((i) => i.step === "schema");
  assert.deepEqual(found, []);
});

test("schema issues point at the offending line", () => {
  const parsed = build((d) => (d.spec.driver.cors = 2));
  const issue = checkManifest(parsed).issues[0]!;
  assert.equal(parsed.text.split("\n")[issue.line! - 1]!.trim(), "cors: 2");
});

test("every schema problem is reported at once", () => {
  const found = issues((d) => {
    d.spec.driver.cores = 0;
    d.spec.executor.memry = "1g";
    delete d.spec.mainApplicationFile;
  }).filter((i) => i.step === "schema");
  assert.deepEqual(found.map((i) => i.path).sort(), ["spec", "spec.driver.cores", "spec.executor.memry"]);
});
