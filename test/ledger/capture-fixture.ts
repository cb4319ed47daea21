// Captures the watch events of two real runs (one that completes, one that fails) on the test cluster into
// test/ledger/fixtures/cluster-events.jsonl, which record-replay.test.ts replays into the ledger:
//   SPARKLANE_TEST_CLUSTER=... node --import tsx test/ledger/capture-fixture.ts
// Objects are trimmed of what no record reads (managed fields, env, volumes, a node's images) to keep the
// fixture small; nothing is edited. Each line: {"kind":"app"|"pod"|"node","type":...,"object":...}.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "../../src/kube/client.js";
import { Reflector, type KMeta } from "../../src/kube/reflector.js";
import { GROUP, PLURAL, VERSION } from "../../src/kube/client.js";
import {
  adminKubeconfig,
  admin,
  eventually,
  jobNamespace,
  realClusterSkip,
} from "../helpers/real-cluster.js";
import { clusterRun } from "./cluster-run.js";

type O = Record<string, unknown> & KMeta;

function trim(kind: string, o: O): O {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form trimming of a raw API object
  const c = structuredClone(o) as Record<string, any>;
  delete c.metadata?.managedFields;
  if (kind === "pod") {
    delete c.spec?.volumes;
    for (const k of ["containers", "initContainers"])
      for (const x of c.spec?.[k] ?? []) {
        for (const f of [
          "env",
          "args",
          "volumeMounts",
          "ports",
          "command",
          "terminationMessagePath",
          "terminationMessagePolicy",
          "imagePullPolicy",
        ])
          delete x[f];
      }
  }
  if (kind === "node") {
    delete c.status?.images;
    delete c.status?.conditions;
    delete c.status?.nodeInfo;
    delete c.status?.daemonEndpoints;
  }
  if (kind === "app") {
    const spec = c.spec ?? {};
    c.spec = { driver: { labels: spec.driver?.labels }, executor: { labels: spec.executor?.labels } };
  }
  if (kind === "pod") {
    delete c.spec?.tolerations;
    delete c.spec?.securityContext;
    delete c.metadata?.annotations;
  }
  return c as O;
}

async function main(): Promise<void> {
  if (realClusterSkip) throw new Error(String(realClusterSkip));
  const ns = await jobNamespace("ledger-capture");
  const kube = connect({ kubeconfig: adminKubeconfig() });
  const ctl = new AbortController();
  const lines: string[] = [];
  const watch = (kind: string, path: string, list: () => Promise<{ items: O[]; resourceVersion: string }>) =>
    new Reflector<O>({
      kube,
      what: kind,
      signal: ctl.signal,
      list,
      watchPath: path,
      onChange: (type, object) => lines.push(JSON.stringify({ kind, type, object: trim(kind, object) })),
    })
      .run()
      .catch(() => {});
  const raw = async (path: string) => {
    const r = await admin().call("GET", path);
    const j = r.json() as { items: O[]; metadata: { resourceVersion: string } };
    return { items: j.items, resourceVersion: j.metadata.resourceVersion };
  };
  const runs = [
    watch("node", "/api/v1/nodes", () => raw("/api/v1/nodes")),
    watch("app", `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/${PLURAL}`, () =>
      raw(`/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/${PLURAL}`),
    ),
    watch("pod", `/api/v1/namespaces/${ns.name}/pods`, () => raw(`/api/v1/namespaces/${ns.name}/pods`)),
  ];
  try {
    for (const outcome of ["ok", "fail"] as const) {
      const { result } = await clusterRun(ns.name, { tag: `capture-${outcome}`, outcome });
      process.stderr.write(`${result.name}: ${result.outcome}\n`);
      await admin().call(
        "DELETE",
        `/apis/${GROUP}/${VERSION}/namespaces/${ns.name}/${PLURAL}/${result.name}`,
      );
    }
    await eventually(
      "the pods to be deleted",
      async () => ((await raw(`/api/v1/namespaces/${ns.name}/pods`)).items.length === 0 ? true : undefined),
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    ctl.abort();
    await Promise.all(runs);
    await ns.remove();
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "cluster-events.jsonl");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${lines.join("\n")}\n`);
  process.stderr.write(`${lines.length} events -> ${out}\n`);
}

await main();
