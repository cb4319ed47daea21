import { test } from "node:test";
import assert from "node:assert/strict";
import { privateJarsRule, privateJarsWithoutIvySettings } from "../../src/lint/rules/private-jars.js";

const seedPackages =
  "org.apache.iceberg:iceberg-spark-runtime-4.0_2.13:1.10.0,org.apache.iceberg:iceberg-aws-bundle:1.10.0,org.apache.hadoop:hadoop-aws:3.4.1,<org>:spark-s3-shuffle_2.13:1.0.9,io.dataflint:dataflint-spark4_2.13:0.6.1";
const app = (conf: Record<string, string>, deps?: string[]) => ({
  apiVersion: "sparkoperator.k8s.io/v1beta2",
  kind: "SparkApplication",
  spec: { sparkConf: conf, ...(deps ? { deps: { packages: deps } } : {}) },
});

test("the seed's packages without ivySettings: the private coordinate is named, the public ones are not", () => {
  const issues = privateJarsWithoutIvySettings(
    app({ "spark.jars.packages": seedPackages, "spark.jars.ivy": "/ivy-cache" }),
  );
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.where, 'spec.sparkConf["spark.jars.packages"]');
  assert.match(
    issues[0]!.message,
    /^<org>:spark-s3-shuffle_2\.13:1\.0\.9 looks private, but spark\.jars\.ivySettings is not set/,
  );
  assert.doesNotMatch(issues[0]!.message, /iceberg|dataflint|hadoop/);
  assert.match(issues[0]!.hint!, /sparklane ivy-settings/);
});

test("with spark.jars.ivySettings set, nothing is reported", () => {
  assert.deepEqual(
    privateJarsWithoutIvySettings(
      app({ "spark.jars.packages": seedPackages, "spark.jars.ivySettings": "/ivy-settings/ivysettings.xml" }),
    ),
    [],
  );
});

test("public-only packages, no packages, and the pre-baked variant (none) are fine", () => {
  assert.deepEqual(
    privateJarsWithoutIvySettings(
      app({ "spark.jars.packages": "org.apache.hadoop:hadoop-aws:3.4.1,io.delta:delta-spark_2.13:4.0.0" }),
    ),
    [],
  );
  assert.deepEqual(privateJarsWithoutIvySettings(app({})), []);
  assert.deepEqual(privateJarsWithoutIvySettings({}), []);
});

test("configured private groups decide exactly; deps.packages is checked too", () => {
  const m = app({ "spark.jars.packages": "com.acme.data:udfs_2.13:2.1.0, io.delta:delta-spark_2.13:4.0.0" }, [
    "com.acme:shuffle:1.0",
    "org.example:x:1",
  ]);
  const issues = privateJarsWithoutIvySettings(m, { privateGroups: ["com.acme"] });
  assert.deepEqual(
    issues.map((i) => [i.where, i.message.split(" look")[0]]),
    [
      ['spec.sparkConf["spark.jars.packages"]', "com.acme.data:udfs_2.13:2.1.0"],
      ["spec.deps.packages", "com.acme:shuffle:1.0"],
    ],
  );
  // Without configuration, an unknown group counts as private.
  assert.match(
    privateJarsWithoutIvySettings(m)[1]!.message,
    /com\.acme:shuffle:1\.0, org\.example:x:1 look private/,
  );
  // "com.acmeX" is not under "com.acme".
  assert.deepEqual(
    privateJarsWithoutIvySettings(app({ "spark.jars.packages": "com.acmex:a:1" }), {
      privateGroups: ["com.acme"],
    }),
    [],
  );
});

test("the registry-shaped rule reports the same finding with a manifest path", () => {
  assert.equal(privateJarsRule.id, "private-jars-without-ivy-settings");
  assert.deepEqual(
    privateJarsRule.check(app({ "spark.jars.packages": seedPackages })).map((f) => f.path),
    [["spec", "sparkConf", "spark.jars.packages"]],
  );
});
