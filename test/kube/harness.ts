// Shared set-up for the kube tests: a fake API server, a simulated operator, and a prepared application.
import { readFileSync } from "node:fs";
import { FakeApiServer, type FakeApiServerOptions } from "../helpers/fake-apiserver/server.js";
import { SimulatedOperator, type OperatorOptions } from "../helpers/fake-apiserver/operator.js";
import type { SubmitInput } from "../../src/kube/submit.js";

export const appFixture = JSON.parse(
  readFileSync(new URL("./fixtures/app.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

export function input(over: Partial<SubmitInput> & { scenario?: string } = {}): SubmitInput {
  const manifest = structuredClone(over.manifest ?? appFixture) as Record<string, unknown> & {
    metadata: { annotations?: Record<string, string> };
  };
  if (over.scenario)
    manifest.metadata.annotations = {
      ...(manifest.metadata.annotations ?? {}),
      "test.sparklane/scenario": over.scenario,
    };
  return {
    manifest,
    payload: over.payload ?? {
      etl_module: "visits_distinct",
      etl_script: "visits_distinct_daily.py",
      config_file: "config/dev-daily.yaml",
      process_date: "2026-03-15",
    },
    variant: over.variant ?? "pre-baked",
    context: over.context ?? {
      dagId: "generic_spark_etl",
      taskId: "submit_spark_etl",
      ds: "2026-03-15",
      runId: "manual__2026-03-15T00:00:00+00:00",
    },
  };
}

export interface Cluster {
  api: FakeApiServer;
  operator: SimulatedOperator;
  kubeconfig: string;
  close(): Promise<void>;
}

export async function startCluster(opts: FakeApiServerOptions & OperatorOptions = {}): Promise<Cluster> {
  const api = await new FakeApiServer(opts).start();
  const operator = new SimulatedOperator(api, opts).start();
  return {
    api,
    operator,
    kubeconfig: api.kubeconfig(),
    async close() {
      operator.stop();
      await api.close();
    },
  };
}

/** A sleep that records what was asked and waits only a token time, so retry tests stay fast. */
export function recordingSleep(log: number[]) {
  return (ms: number) => {
    log.push(ms);
    return new Promise<void>((r) => setTimeout(r, 5));
  };
}
