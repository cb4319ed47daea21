// src/backoff.ts: the one backoff behind kube/retry.ts, artifact/store.ts and ivy/refresher.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { backoff, backoffDelay } from "../../src/backoff.js";
import { InterruptedError } from "../../src/errors.js";
import { backoffMs } from "../../src/kube/retry.js";
import { retrying, retryPolicy } from "../../src/artifact/store.js";
import { sleep } from "../../src/sleep.js";

test("backoffDelay: doubles from base, capped, uniform between floor and ceiling", () => {
  const top = () => 1;
  const policy = { baseMs: 100, capMs: 1000 };
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 60, 5000].map((n) => backoffDelay(n, policy, top)),
    [100, 200, 400, 800, 1000, 1000, 1000, 1000],
  );
  assert.equal(
    backoffDelay(3, policy, () => 0),
    0,
    "full jitter reaches zero without a floor",
  );
  assert.equal(
    backoffDelay(3, { ...policy, floorMs: 50 }, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(3, { ...policy, floorMs: 50 }, () => 0.5),
    400,
  );
  assert.equal(
    backoffDelay(3, { ...policy, floorMs: 50 }, () => 0.05),
    50,
  );
  assert.equal(
    backoffDelay(0, { baseMs: 10, capMs: 10, floorMs: 500 }, () => 0),
    10,
    "a floor never exceeds the ceiling",
  );
  assert.equal(backoffDelay(-1, policy, top), 100);
});

test("backoff sleeps the delay through the injected sleep and stops on abort", async () => {
  const waits: number[] = [];
  const ms = await backoff(
    2,
    { baseMs: 10, capMs: 100 },
    {
      random: () => 1,
      sleep: async (w) => void waits.push(w),
    },
  );
  assert.equal(ms, 40);
  assert.deepEqual(waits, [40]);
  const ac = new AbortController();
  const pending = backoff(
    0,
    { baseMs: 60_000, capMs: 60_000 },
    { random: () => 1, signal: ac.signal, sleep },
  );
  ac.abort();
  await assert.rejects(pending, InterruptedError);
});

test("every retry loop uses the same schedule", async () => {
  // Kubernetes calls: floor at base.
  assert.equal(
    backoffMs(2, 100, 1000, () => 1),
    backoffDelay(2, { baseMs: 100, capMs: 1000 }, () => 1),
  );
  assert.equal(
    backoffMs(2, 100, 1000, () => 0),
    100,
  );
  // Artifact stores: plain full jitter, through the same function.
  const waits: number[] = [];
  const policy = retryPolicy({
    attempts: 4,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0.5,
    sleep: async (ms) => void waits.push(ms),
  });
  await assert.rejects(retrying("s", "w", policy, () => Promise.reject(new Error("x"))));
  assert.deepEqual(
    waits,
    [0, 1, 2].map((n) => backoffDelay(n, { baseMs: 100, capMs: 1000 }, () => 0.5)),
  );
  // An abort while the store waits ends the loop at once.
  const ac = new AbortController();
  const aborting = retryPolicy({
    attempts: 9,
    baseDelayMs: 60_000,
    maxDelayMs: 60_000,
    random: () => 1,
    signal: ac.signal,
  });
  const run = retrying("s", "w", aborting, () => Promise.reject(new Error("x")));
  setImmediate(() => ac.abort());
  await assert.rejects(run, InterruptedError);
});
