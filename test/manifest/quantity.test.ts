import { test } from "node:test";
import assert from "node:assert/strict";
import {
  formatMiB,
  jvmMemory,
  memoryMiB,
  sparkMemoryProblem,
  SPARK_MEMORY,
} from "../../src/manifest/quantity.js";

test("memoryMiB reads Spark's byteStringAs grammar; a bare number is MiB (bytesConf(ByteUnit.MiB))", () => {
  const cases: [string, number | undefined][] = [
    ["512m", 512],
    ["512MB", 512],
    ["20g", 20 * 1024],
    ["20Gb", 20 * 1024],
    ["1t", 1024 * 1024],
    ["1p", 1024 ** 3],
    ["1024k", 1],
    ["1048576b", 1],
    ["2048", 2048],
    ["0", 0],
    ["1.5g", undefined],
    ["2 g", undefined],
    [" 2g", undefined],
    ["2gib", undefined],
    ["2x", undefined],
    ["-1g", undefined],
    ["", undefined],
    ["g", undefined],
  ];
  for (const [text, mib] of cases) assert.equal(memoryMiB(text), mib, text);
  assert.equal(SPARK_MEMORY.test("1pb"), true);
});

test("sparkMemoryProblem names fractions apart from other mistakes", () => {
  assert.equal(sparkMemoryProblem("20g"), undefined);
  assert.match(sparkMemoryProblem("1.5g")!, /fractions/);
  assert.match(sparkMemoryProblem("lots")!, /digits with an optional unit/);
});

test("formatMiB and jvmMemory spell sizes the JVM accepts", () => {
  assert.equal(formatMiB(4096), "4g");
  assert.equal(formatMiB(1536), "1536m");
  assert.equal(formatMiB(0.5), "512k");
  assert.equal(jvmMemory("4g"), "4g");
  assert.equal(jvmMemory("4096"), "4g");
  assert.equal(jvmMemory("4gb"), "4g");
  assert.equal(jvmMemory("1536mb"), "1536m");
  assert.equal(jvmMemory("nope"), undefined);
});
