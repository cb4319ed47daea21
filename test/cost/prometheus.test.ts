// The Prometheus cost source against Debian's real Prometheus: synthetic history (openmetrics-gen.ts) backfilled
// with promtool, served on loopback with an empty scrape config, read back and compared with the truth it was
// generated from, under two lookback settings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { join } from "node:path";
import { InfraError, UserError } from "../../src/errors.js";
import type { NodePrice } from "../../src/cost/input.js";
import { readPrometheus, type PrometheusData } from "../../src/cost/prometheus.js";
import { backfill, prometheusSkip as skip, startPrometheus, type Prometheus } from "../helpers/prometheus.js";
import { writeHistory, type Truth } from "./openmetrics-gen.js";
import { runCli, type CliResult } from "../helpers/cli.js";
import { computeCost } from "../../src/cost/core.js";
import { resolvePrices } from "../../src/cost/prices.js";
import { CostReport, GROUP_KEYS } from "../../src/cost/report.js";

interface Read {
  data: PrometheusData;
  prices: Record<string, NodePrice | undefined>;
}

/** Serves the backfilled `dir/data` with the given lookback while `f` runs. */
async function serve<T>(
  dir: string,
  lookbackDelta: string | undefined,
  f: (prom: Prometheus, url: string) => Promise<T>,
) {
  const prom = await startPrometheus(undefined, dir, { dataDir: join(dir, "data"), lookbackDelta });
  try {
    return await f(prom, `http://127.0.0.1:${prom.port}`);
  } finally {
    await prom.stop();
  }
}

async function readAll(url: string, truth: Truth): Promise<Read> {
  const data = await readPrometheus({ url, window: truth.window });
  const prices: Record<string, NodePrice | undefined> = {};
  for (const n of data.nodes) prices[n.name] = await data.prices.nodePrice({ name: n.name, info: n.info });
  return { data, prices };
}

/** `sparklane cost --source prometheus` over the truth's day, every key, as JSON. */
async function costCli(url: string, ...extra: string[]): Promise<CliResult> {
  return runCli([
    "cost",
    "--source",
    "prometheus",
    "--prometheus",
    url,
    "--window",
    "2026-03-15",
    "--by",
    GROUP_KEYS.join(","),
    "--output",
    "json",
    ...extra,
  ]);
}

function report(r: CliResult): CostReport {
  assert.equal(r.code, 0, r.stderr);
  return CostReport.parse(JSON.parse(r.stdout));
}

/** The report the truth gives through the same core: exact pods, the generator's prices. */
async function truthReport(truth: Truth): Promise<CostReport> {
  const window = { ...truth.window, label: "2026-03-15" };
  const data = { pods: truth.pods, nodes: truth.nodes, runs: [], notes: [], unattributedHint: () => "" };
  const metric = { nodePrice: (n: { name?: string }) => Promise.resolve(truth.prices[n.name ?? ""]) };
  return computeCost({
    window,
    data,
    prices: await resolvePrices(data, window, { metric }),
    options: { by: [...GROUP_KEYS], mode: "request", idle: "separate", cpuToMemoryWeight: 9 },
    source: "ledger",
    generatedAt: truth.window.end,
  });
}

/** What must not depend on the server: everything but the notes (which name its URL). */
const comparable = (r: Read) => ({
  pods: r.data.pods,
  runs: r.data.runs,
  nodes: r.data.nodes,
  scrape: r.data.scrapeIntervalSeconds,
  warnings: r.data.warnings,
  prices: r.prices,
});

test(
  "Prometheus source: backfilled history matches the truth, identically under two lookbacks",
  { skip, timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "sparklane-cost-prom-"));
    try {
      const { file, truth } = writeHistory(join(dir, "in"));
      backfill(file, join(dir, "data"));
      const s = truth.scrapeIntervalSeconds * 1000;

      // The duplicated target is real: a naive sum counts those pods twice.
      const dup = truth.pods.find((p) => truth.duplicated.includes(p.name ?? ""))!;
      const a = await serve(dir, undefined, async (prom, url) => {
        const naive = await prom.query(
          `sum(max_over_time(kube_pod_container_resource_requests{uid="${dup.uid}",resource="cpu"}[1d] @ ${truth.window.end / 1000}))`,
        );
        assert.equal(
          Number(naive[0]!.value[1]),
          2 * dup.cpuCores,
          "the history duplicates a kube-state-metrics target",
        );
        const read = await readAll(url, truth);
        // A spot node that OpenCost took for on-demand is flagged; a spot node with no spot price anywhere
        // gets no price from the metrics (the next source prices it, flagged).
        const c = truth.nodes.find((n) => truth.prices[n.name]!.origin === "opencost-metric")!;
        const asSpot = await read.data.prices.nodePrice({
          name: c.name,
          info: { ...c.info, capacityType: "spot" },
        });
        assert.equal(asSpot?.origin, "opencost-metric");
        assert.equal(asSpot?.spotWithoutSpotPrice, true);
        assert.equal(read.prices[c.name]?.spotWithoutSpotPrice, undefined);
        const nowhere = { instanceType: "m6i.4xlarge", capacityType: "spot", zone: "us-east-1c" };
        assert.equal(await read.data.prices.nodePrice({ name: "elsewhere", info: nowhere }), undefined);
        // A month is read in chunks of 10,000 scrape intervals (under Prometheus's 11,000 points per range):
        // the same pods as the day.
        const month = await readPrometheus({
          url,
          window: { start: Date.UTC(2026, 2, 1), end: Date.UTC(2026, 3, 1) },
        });
        assert.deepEqual(month.pods, read.data.pods, "a month read in chunks");
        return { read, cli: report(await costCli(url)) };
      });
      const b = await serve(dir, "30s", async (_prom, url) => ({
        read: await readAll(url, truth),
        cli: report(await costCli(url)),
      }));
      assert.deepEqual(
        comparable(b.read),
        comparable(a.read),
        "the answers depend on --query.lookback-delta",
      );
      const server = (r: CostReport) => ({
        ...r,
        generatedAt: "",
        assumptions: { ...r.assumptions, notes: [] },
      });
      assert.deepEqual(server(b.cli), server(a.cli), "the report depends on --query.lookback-delta");
      const { data, prices } = a.read;

      // The report, through the core, against the truth's: every group within one scrape interval × request
      // × price per pod (the core's bound counts both ends, and the start is exact), totals within 1 %.
      const want = await truthReport(truth);
      const got = a.cli;
      assert.equal(got.source, "prometheus");
      assert.equal(got.assumptions.scrapeIntervalSeconds, truth.scrapeIntervalSeconds);
      assert.deepEqual(
        got.rows.map((r) => r.group),
        want.rows.map((r) => r.group),
        "the same groups",
      );
      for (const w of want.rows) {
        const g = got.rows.find((r) => JSON.stringify(r.group) === JSON.stringify(w.group))!;
        const at = JSON.stringify(w.group);
        assert.ok(g.errorBound > 0, `${at}: an error bound`);
        assert.ok(
          Math.abs(g.totalCost - w.totalCost) <= g.errorBound / 2,
          `${at}: ${g.totalCost} vs truth ${w.totalCost}, bound ${g.errorBound / 2}`,
        );
        assert.ok(g.totalCost <= w.totalCost, `${at}: ends are last samples, never late`);
        assert.ok(
          Math.abs(g.bootstrapCost - w.bootstrapCost) < 1e-5,
          `${at}: bootstrap (exact start and Spark start)`,
        );
        assert.equal(g.pods, w.pods, `${at}: pods`);
        assert.equal(g.priceSource, w.priceSource, `${at}: price source`);
      }
      for (const k of ["cost", "attributed", "idle", "bootstrap"] as const)
        assert.ok(
          Math.abs(got.totals[k] / want.totals[k] - 1) < 0.01,
          `total ${k}: ${got.totals[k]} vs truth ${want.totals[k]}`,
        );
      assert.ok(got.unattributedHint?.includes("--metric-labels-allowlist=pods=["), got.unattributedHint);

      assert.equal(
        data.scrapeIntervalSeconds,
        truth.scrapeIntervalSeconds,
        "scrape interval from the samples",
      );
      assert.deepEqual(
        data.pods.map((p) => p.uid).sort(),
        truth.pods.map((p) => p.uid).sort(),
        "every pod once, the re-created executor under both uids, the unlabelled pod too",
      );
      for (const want of truth.pods) {
        const got = data.pods.find((p) => p.uid === want.uid)!;
        const at = `${want.name} (${want.uid})`;
        for (const k of ["name", "namespace", "role", "node", "appUid"] as const)
          assert.equal(got[k], want[k], `${at}: ${k}`);
        assert.deepEqual(got.attribution, want.attribution, `${at}: attribution`);
        assert.deepEqual(got.nodeInfo, want.nodeInfo, `${at}: node info`);
        // Requests exact: deduplicated across the two kube-state-metrics targets, init peak, sidecar summed.
        assert.equal(got.cpuCores, want.cpuCores, `${at}: cpu request`);
        assert.equal(got.memoryBytes, want.memoryBytes, `${at}: memory request`);
        assert.equal(got.held.start, want.held.start, `${at}: held from the pod's start time`);
        assert.equal(got.mainStartedAt, want.mainStartedAt, `${at}: Spark container start`);
        // The end is the last running sample: before the true end, by less than one interval.
        assert.ok(
          got.held.end <= want.held.end && got.held.end > want.held.end - s,
          `${at}: held end ${got.held.end} not within one interval before ${want.held.end}`,
        );
        assert.equal(got.uncertaintyMs, s);
        const u = truth.usage[want.uid]!;
        const during = (got.usage ?? []).filter((x) => x.t > want.mainStartedAt! + s && x.t < want.held.end);
        assert.ok(during.length > 0 || want.held.end - want.mainStartedAt! < 3 * s, `${at}: usage samples`);
        for (const x of during) {
          assert.ok(
            Math.abs(x.cpuCores - u.podCpuCores) < 1e-9,
            `${at}: cpu usage ${x.cpuCores} at ${x.t}, want ${u.podCpuCores}`,
          );
          assert.equal(x.memoryBytes, u.podMemoryBytes, `${at}: memory usage at ${x.t}`);
        }
      }
      assert.deepEqual(
        data.runs.map((r) => [r.uid, r.name, r.attribution.dag]),
        [
          ["spark-a1b2c3", "visits-distinct-20260315-ab12cd34ef", "visits_daily"],
          ["spark-d4e5f6", "orders-rollup-20260315-9f8e7d6c5b", "orders_daily"],
          ["0b6f1c1e-0003-4000-8000-000000000001", "adhoc-report", undefined],
        ],
        "runs by Spark's app selector, else the driver",
      );
      for (const want of truth.nodes) {
        const got = data.nodes.find((n) => n.name === want.name)!;
        assert.deepEqual(got.info, want.info, `${want.name}: info`);
        assert.equal(got.cpuCores, want.cpuCores);
        assert.equal(got.memoryBytes, want.memoryBytes);
        assert.ok(
          Math.abs(got.held.start - want.held.start) < s && Math.abs(got.held.end - want.held.end) <= s,
          `${want.name}: held`,
        );
        const price = prices[want.name]!;
        const truthPrice = truth.prices[want.name]!;
        assert.equal(price.origin, truthPrice.origin, `${want.name}: price origin`);
        assert.deepEqual(
          price.points.map((p, i) => ({ from: i === 0 ? truth.window.start : p.from, hourly: p.hourly })),
          truthPrice.points,
          `${want.name}: price points`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "Prometheus source: no kube_pod_labels in the window is bad input (exit 2), naming the allowlist flag",
  { skip, timeout: 120_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "sparklane-cost-prom-"));
    try {
      const { file, truth } = writeHistory(join(dir, "in"), { podLabels: false });
      backfill(file, join(dir, "data"));
      const prom = await startPrometheus(undefined, dir, { dataDir: join(dir, "data") });
      try {
        const err = await readPrometheus({ url: `http://127.0.0.1:${prom.port}`, window: truth.window }).then(
          () => assert.fail("accepted a Prometheus without kube_pod_labels"),
          (e: unknown) => e,
        );
        assert.ok(err instanceof UserError, String(err));
        assert.equal(err.exitCode, 2);
        assert.match(err.message, /kube_pod_labels/);
        assert.match(err.message, /--metric-labels-allowlist=pods=\[airflow-dag-id,/);
        assert.doesNotMatch(err.message, /\n/);
        // Through the CLI: exit 2, one line, nothing on stdout.
        const r = await costCli(`http://127.0.0.1:${prom.port}`, "--output", "table");
        assert.equal(r.code, 2, r.stderr);
        assert.match(
          r.stderr.split("\n")[0]!,
          /^error: .*no kube_pod_labels series.*--metric-labels-allowlist=pods=\[/,
        );
        assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
        assert.equal(r.stdout, "");
      } finally {
        await prom.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("Prometheus source: an unreachable Prometheus is an infrastructure error (exit 3)", async () => {
  // A loopback port whose listener drops every connection as the request arrives: a refusal, without a port
  // left free for another program to take.
  const server = createServer((c) => c.once("data", () => c.destroy()));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    const err = await readPrometheus({
      url: `http://127.0.0.1:${port}`,
      window: { start: Date.UTC(2026, 2, 15), end: Date.UTC(2026, 2, 16) },
    }).then(
      () => assert.fail("reached a Prometheus that is not there"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InfraError, String(err));
    assert.equal(err.exitCode, 3);
    assert.match(err.message, /^Prometheus at http:\/\/127\.0\.0\.1:\d+ is unreachable: /);
    const r = await costCli(`http://127.0.0.1:${port}`, "--output", "table");
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr.split("\n")[0]!, /^error: Prometheus at .* is unreachable/);
    assert.equal(r.stdout, "");
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test("Prometheus source: a Prometheus that never answers is an infrastructure error after the timeout", async () => {
  // A fake for a fault the real one cannot produce on demand: a listener that accepts and stays silent.
  const sockets = new Set<Socket>();
  const server = createServer((c) => sockets.add(c));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    const err = await readPrometheus({
      url: `http://127.0.0.1:${port}`,
      window: { start: Date.UTC(2026, 2, 15), end: Date.UTC(2026, 2, 16) },
      timeoutMs: 300,
    }).then(
      () => assert.fail("an answer from a silent server"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof InfraError, String(err));
    assert.match(err.message, /unreachable: no answer within 0\.3 s/);
  } finally {
    for (const c of sockets) c.destroy();
    await new Promise((r) => server.close(r));
  }
});

test("Prometheus source: a URL that does not serve the Prometheus API is bad input (exit 2)", async () => {
  const server = createHttpServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/html" });
    res.end("<html>not here</html>");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await costCli(`http://127.0.0.1:${port}/grafana`, "--output", "table");
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr.split("\n")[0]!,
      /^error: --prometheus http:\/\/127\.0\.0\.1:\d+\/grafana: does not serve the Prometheus HTTP API \(HTTP 404 from \/grafana\/api\/v1\/query, not JSON\)/,
    );
    const bad = await costCli("prometheus:9090", "--output", "table");
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr.split("\n")[0]!, /^error: --prometheus prometheus:9090: not an http\(s\) URL/);
  } finally {
    await new Promise((r) => server.close(r));
  }
});
