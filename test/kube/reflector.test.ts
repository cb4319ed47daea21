// The list+watch loop on its own, on the fake API server because a real one does neither on demand: it sends
// bookmarks about once a minute (the fake every 50 ms), and a 410 only after etcd compacted past the watch's
// resourceVersion (every 5 min by default). Resets, stalls and an API server that goes away and comes back are
// tested on the real cluster through a TCP proxy (cluster-faults.test.ts, test/metrics/cluster-exporter-faults.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../../src/kube/client.js";
import { listApps, type SparkApp } from "../../src/kube/apps.js";
import { Reflector, type ChangeType } from "../../src/kube/reflector.js";
import { FakeApiServer, type KObj } from "../helpers/fake-apiserver/server.js";

const app = (name: string): KObj => ({
  apiVersion: "sparkoperator.k8s.io/v1beta2",
  kind: "SparkApplication",
  metadata: { name, namespace: "spark" },
  spec: {},
});

async function until(fn: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`timed out waiting for ${what}`);
}

test("reflector: bookmarks advance the resume point; a 410 re-list reports what was deleted meanwhile", async () => {
  const api = await new FakeApiServer({ bookmarkIntervalMs: 50 }).start();
  const ctl = new AbortController();
  const kube = connect({ kubeconfig: api.kubeconfig() });
  const seen: [ChangeType, string][] = [];
  try {
    api.store.create("sparkapplications", app("a"));
    api.store.create("sparkapplications", app("b"));
    const r = new Reflector<SparkApp>({
      kube,
      what: "sparkapplications in spark",
      list: () => listApps(kube, { namespace: "spark" }, {}, { pageSize: 1 }),
      watchPath: "/apis/sparkoperator.k8s.io/v1beta2/namespaces/spark/sparkapplications",
      // Only "a*" objects: changes to others still move the store's resourceVersion, which only bookmarks carry.
      query: { fieldSelector: "metadata.name=a" },
      onChange: (type, o) => seen.push([type, o.metadata.name]),
      signal: ctl.signal,
      sleep: (ms) => new Promise((res) => setTimeout(res, Math.min(ms, 20))),
    });
    const run = r.run();
    await until(() => seen.length >= 2, "initial list");
    assert.deepEqual(seen.slice(0, 2), [
      ["ADDED", "a"],
      ["ADDED", "b"],
    ]);
    const listedRv = Number(r.resourceVersion);
    for (let i = 0; i < 5; i++) api.store.create("sparkapplications", app(`other-${i}`));
    await until(
      () => Number(r.resourceVersion) >= api.store.rv,
      "a bookmark with the newest resourceVersion",
    );
    assert.ok(Number(r.resourceVersion) > listedRv);
    api.resetStreams();
    await until(() => api.requests.filter((q) => q.query.watch === "true").length >= 2, "re-watch");
    const rewatch = api.requests.filter((q) => q.query.watch === "true").at(-1)!;
    assert.ok(
      Number(rewatch.query.resourceVersion) > listedRv,
      "resumed from the bookmark, not from the list",
    );
    assert.equal(rewatch.query.allowWatchBookmarks, "true");

    // While the history is compacted, "a" is deleted: the 410 re-list reports it.
    api.store.delete("sparkapplications", "spark", "a");
    api.store.compact();
    api.goneAs = "event";
    api.resetStreams();
    await until(() => seen.some(([t, n]) => t === "DELETED" && n === "a"), "DELETED a after the re-list");
    await until(() => seen.some(([t, n]) => t === "ADDED" && n.startsWith("other-")), "the re-list");
    ctl.abort();
    await run;
  } finally {
    ctl.abort();
    await api.close();
  }
});
