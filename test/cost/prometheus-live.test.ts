// A live scrape: Debian's real Prometheus scrapes, every second, a loopback stand-in for kube-state-metrics
// (the target being scraped, a few lines of text over HTTP, not a fake of Prometheus) that adds a short pod's
// series and drops them a few seconds later. Scraped data has real staleness markers; the cost source must
// see the short pod and end it at its last sample.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ksmLabelName, readPrometheus } from "../../src/cost/prometheus.js";
import { CostReport } from "../../src/cost/report.js";
import { runCli } from "../helpers/cli.js";
import { prometheusSkip as skip, startPrometheus, until, type Prometheus } from "../helpers/prometheus.js";

const NODE = "ip-10-0-1-1.ec2.internal";
const POD = {
  namespace: "spark",
  pod: "live-20261203-abc-exec-1",
  uid: "5e0c1a2b-0000-4000-8000-00000000live",
};

/** kube-state-metrics' text for one node and, while `pod` is set, one executor on it. */
function exposition(pod: { startSeconds: number } | undefined): string {
  const l = (o: Record<string, string>) =>
    `{${Object.entries(o)
      .map(([k, v]) => `${k}="${v}"`)
      .join(",")}}`;
  const lines = [
    `kube_node_info${l({ node: NODE })} 1`,
    `kube_node_labels${l({ node: NODE, [ksmLabelName("node.kubernetes.io/instance-type")]: "m6i.4xlarge", [ksmLabelName("karpenter.sh/capacity-type")]: "on-demand" })} 1`,
    `kube_node_status_allocatable${l({ node: NODE, resource: "cpu", unit: "core" })} 15.89`,
    `kube_node_status_allocatable${l({ node: NODE, resource: "memory", unit: "byte" })} 64424509440`,
  ];
  if (pod) {
    const c = { ...POD, container: "spark-kubernetes-executor" };
    lines.push(
      `kube_pod_labels${l({ ...POD, [ksmLabelName("airflow-dag-id")]: "live_dag", [ksmLabelName("etl-module")]: "live" })} 1`,
      `kube_pod_info${l({ ...POD, node: NODE, created_by_kind: "Pod", created_by_name: "live-driver" })} 1`,
      `kube_pod_start_time${l(POD)} ${pod.startSeconds}`,
      `kube_pod_container_state_started${l(c)} ${pod.startSeconds}`,
      `kube_pod_container_status_running${l(c)} 1`,
      `kube_pod_container_resource_requests${l({ ...c, node: NODE, resource: "cpu", unit: "core" })} 7`,
      `kube_pod_container_resource_requests${l({ ...c, node: NODE, resource: "memory", unit: "byte" })} 28346810368`,
    );
  }
  return `${lines.join("\n")}\n`;
}

test(
  "live scrape: a pod seen for a few seconds is costed, and ends at its last sample",
  { skip, timeout: 60_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "sparklane-cost-live-"));
    let pod: { startSeconds: number } | undefined;
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      res.end(exposition(pod));
    });
    let prom: Prometheus | undefined;
    try {
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      prom = await startPrometheus((server.address() as AddressInfo).port, dir);
      const { query } = prom;
      await until(
        async () => ((await query("kube_node_info")).length > 0 ? true : undefined),
        "the first scrape",
      );

      const windowStart = Date.now() - 1000;
      const startSeconds = Math.floor(Date.now() / 1000);
      pod = { startSeconds };
      const running = `kube_pod_container_status_running{uid="${POD.uid}"}`;
      await until(
        async () =>
          Number((await query(`count_over_time(${running}[1m])`))[0]?.value[1] ?? 0) >= 4 ? true : undefined,
        "four scrapes of the pod",
      );
      pod = undefined;
      const dropped = Date.now();
      // Two more scrapes: the series has ended (Prometheus wrote its staleness marker).
      await until(
        async () =>
          Number((await query("timestamp(kube_node_info)"))[0]?.value[1] ?? 0) * 1000 > dropped + 2000
            ? true
            : undefined,
        "scrapes after the pod went away",
      );
      const windowEnd = Date.now();

      const data = await readPrometheus({
        url: `http://127.0.0.1:${prom.port}`,
        window: { start: windowStart, end: windowEnd },
      });
      assert.equal(data.pods.length, 1, JSON.stringify(data.pods));
      const p = data.pods[0]!;
      assert.equal(p.uid, POD.uid);
      assert.equal(p.role, "executor");
      assert.deepEqual(p.attribution, { dag: "live_dag", module: "live" });
      assert.equal(p.cpuCores, 7);
      assert.equal(p.node, NODE);
      assert.deepEqual(p.nodeInfo, { instanceType: "m6i.4xlarge", capacityType: "on-demand" });
      assert.equal(p.held.start, startSeconds * 1000, "held from kube_pod_start_time");
      assert.equal(p.mainStartedAt, startSeconds * 1000);
      // Its last sample, as Prometheus stored it: the end, exactly; and before the series was dropped.
      const raw = await prom.queryRaw(`${running}[5m]`);
      const values = (raw.data?.result[0] as unknown as { values: [number, string][] }).values;
      const last = Math.round(values.at(-1)![0] * 1000);
      assert.equal(p.held.end, last);
      assert.ok(p.held.end <= dropped, `ended at ${p.held.end}, after the series was dropped at ${dropped}`);
      assert.ok(values.length >= 4);
      assert.ok(
        data.scrapeIntervalSeconds !== undefined && Math.abs(data.scrapeIntervalSeconds - 1) < 0.1,
        `interval ${data.scrapeIntervalSeconds}`,
      );
      assert.equal(p.uncertaintyMs, data.scrapeIntervalSeconds * 1000);

      // The same through `sparklane cost`: one row, the pod's request over its held time.
      const iso = (t: number) => new Date(t).toISOString();
      const r = await runCli([
        "cost",
        "--source",
        "prometheus",
        "--prometheus",
        `http://127.0.0.1:${prom.port}`,
        "--window",
        `${iso(windowStart)}..${iso(windowEnd)}`,
        "--by",
        "dag,module",
        "--output",
        "json",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const report = CostReport.parse(JSON.parse(r.stdout));
      assert.equal(report.rows.length, 1, r.stdout);
      const row = report.rows[0]!;
      assert.deepEqual(row.group, { dag: "live_dag", module: "live" });
      assert.equal(row.pods, 1);
      const hours = (p.held.end - p.held.start) / 3_600_000;
      assert.ok(
        Math.abs(row.cpuCoreHours - 7 * hours) < 1e-3,
        `${row.cpuCoreHours} core-hours, want ${7 * hours}`,
      );
    } finally {
      await prom?.stop();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
