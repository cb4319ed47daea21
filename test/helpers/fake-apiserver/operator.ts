// A simulated Spark Operator for the fake API server: it moves SparkApplications and their driver/executor
// pods through the operator's real state machine ("" NEW -> SUBMITTED -> RUNNING -> SUCCEEDING/FAILING ->
// COMPLETED/FAILED, plus SUBMISSION_FAILED, PENDING_RERUN, INVALIDATING, UNKNOWN), following the scenario a
// test picks per application. It writes to the store directly: it plays the server side, while the code
// under test goes through the official client and HTTP.
import { randomUUID } from "node:crypto";
import type { FakeApiServer, KObj, StoreEvent } from "./server.js";

export type Scenario =
  | "happy"
  | "fail"
  | "submission-failed"
  | "image-pull"
  | "init-fail"
  | "sidecar"
  | "rerun"
  | "never"
  | "slow"
  | "gated"
  | "mount";

export interface OperatorOptions {
  /** Pause between steps, ms. */
  stepMs?: number;
  scenario?: (app: KObj) => Scenario;
  /** Driver log lines written while the driver runs. */
  driverLines?: number;
  /** Extra time the bootstrap init container runs, per application (e.g. a venv build for the standard variant). */
  initDelayMs?: (app: KObj) => number;
}

const DRIVER = "spark-kubernetes-driver";
const now = () => new Date().toISOString();

export class SimulatedOperator {
  private stopped = false;
  private timers = new Set<NodeJS.Timeout>();
  private seen = new Set<string>();
  readonly stepMs: number;
  readonly scenarioFor: (app: KObj) => Scenario;
  readonly driverLines: number;
  readonly initDelayMs: (app: KObj) => number;
  private onEvent = (ev: StoreEvent) => this.observe(ev);
  /** "gated" applications wait here until release(name), then run as "happy". */
  private readonly gates = new Map<string, () => void>();

  constructor(
    private readonly api: FakeApiServer,
    opts: OperatorOptions = {},
  ) {
    this.stepMs = opts.stepMs ?? 30;
    this.driverLines = opts.driverLines ?? 3;
    this.initDelayMs = opts.initDelayMs ?? (() => 0);
    this.scenarioFor =
      opts.scenario ??
      ((app) => (app.metadata.annotations?.["test.sparklane/scenario"] as Scenario | undefined) ?? "happy");
  }

  start(): this {
    this.api.store.on("event", this.onEvent);
    return this;
  }

  release(name: string): void {
    this.gates.get(name)?.();
  }

  stop(): void {
    this.stopped = true;
    this.api.store.off("event", this.onEvent);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private observe(ev: StoreEvent): void {
    if (ev.kind !== "sparkapplications" || ev.type !== "ADDED") return;
    const uid = ev.obj.metadata.uid!;
    if (this.seen.has(uid)) return;
    this.seen.add(uid);
    void this.run(ev.obj);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** True while the application (this incarnation) still exists. */
  private alive(app: KObj): boolean {
    const cur = this.api.store.get("sparkapplications", app.metadata.namespace, app.metadata.name);
    return !this.stopped && !!cur && cur.metadata.uid === app.metadata.uid;
  }

  private setState(app: KObj, state: string, extra: (s: Record<string, unknown>) => void = () => {}): void {
    if (!this.alive(app)) return;
    this.api.store.mutate("sparkapplications", app.metadata.namespace, app.metadata.name, (o) => {
      o.status ??= { driverInfo: {} };
      o.status.applicationState = { state };
      extra(o.status);
    });
  }

  private pod(app: KObj, name: string, fn: (p: KObj) => void): void {
    if (!this.alive(app)) return;
    this.api.store.mutate("pods", app.metadata.namespace, name, fn);
  }

  private async run(app: KObj): Promise<void> {
    const scenario = this.scenarioFor(app);
    const ns = app.metadata.namespace;
    const name = app.metadata.name;
    const step = () => this.sleep(this.stepMs);
    const driverPod = `${name}-driver`;
    if (scenario === "never") return;
    if (scenario === "gated") await new Promise<void>((resolve) => this.gates.set(name, resolve));
    await step();
    if (scenario === "submission-failed") {
      this.setState(app, "SUBMISSION_FAILED", (s) => {
        s.submissionAttempts = 1;
        s.lastSubmissionAttemptTime = now();
        s.applicationState = {
          state: "SUBMISSION_FAILED",
          errorMessage:
            'failed to run spark-submit: Exception in thread "main" java.io.FileNotFoundException: /home/spark/.ivy2/cache (Read-only file system)',
        };
      });
      await step();
      this.setState(app, "FAILED", (s) => {
        s.applicationState = {
          state: "FAILED",
          errorMessage:
            "failed to run spark-submit: java.io.FileNotFoundException: /home/spark/.ivy2/cache (Read-only file system)",
        };
        s.terminationTime = now();
      });
      return;
    }
    let attempt = 0;
    for (;;) {
      attempt++;
      const outcome = await this.attempt(app, scenario, driverPod, attempt);
      if (!this.alive(app) || outcome === "stuck") return;
      if (outcome === "rerun") {
        this.setState(app, "PENDING_RERUN", (s) => (s.driverInfo = {}));
        if (this.alive(app)) this.api.store.delete("pods", ns, driverPod);
        for (const p of this.api.store.list("pods", ns, `sparkoperator.k8s.io/app-name=${name}`))
          this.api.store.delete("pods", ns, p.metadata.name);
        await step();
        continue;
      }
      return;
    }
  }

  private async attempt(
    app: KObj,
    scenario: Scenario,
    driverPod: string,
    attempt: number,
  ): Promise<"done" | "stuck" | "rerun"> {
    const ns = app.metadata.namespace;
    const name = app.metadata.name;
    const step = () => this.sleep(scenario === "slow" ? this.stepMs * 10 : this.stepMs);
    const submissionId = randomUUID();
    const image = (app.spec?.driver?.image ?? app.spec?.image ?? "spark:4.0.0") as string;
    const initContainers = (
      (app.spec?.driver?.initContainers ?? []) as { name: string; image?: string; restartPolicy?: string }[]
    ).map((c) => ({
      name: c.name,
      image: c.image ?? image,
      ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}),
    }));
    const labels = {
      ...(app.metadata.labels ?? {}),
      ...(app.spec?.driver?.labels ?? {}),
      "sparkoperator.k8s.io/app-name": name,
      "sparkoperator.k8s.io/launched-by-spark-operator": "true",
      "sparkoperator.k8s.io/submission-id": submissionId,
      "spark-role": "driver",
    };
    // spark-submit ran: SUBMITTED, driver pod created Pending.
    this.setState(app, "SUBMITTED", (s) => {
      s.submissionID = submissionId;
      s.lastSubmissionAttemptTime = now();
      s.submissionAttempts = attempt;
      s.executionAttempts = attempt;
      s.driverInfo = { podName: driverPod };
    });
    if (!this.alive(app)) return "done";
    this.api.store.create("pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: driverPod, namespace: ns, labels },
      spec: { initContainers, containers: [{ name: DRIVER, image }], restartPolicy: "Never" },
      status: { phase: "Pending", conditions: [] },
    });
    await step();
    this.pod(app, driverPod, (p) => {
      p.status.conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: now() });
      p.status.initContainerStatuses = initContainers.map((c) => ({
        name: c.name,
        image: c.image,
        ready: false,
        state: { waiting: { reason: "PodInitializing" } },
      }));
      p.status.containerStatuses = [
        { name: DRIVER, image, ready: false, state: { waiting: { reason: "PodInitializing" } } },
      ];
    });
    await step();
    if (scenario === "mount") {
      // A volume's ConfigMap is missing: the kubelet retries the mount forever; only an Event says why.
      this.api.recordEvent(
        ns,
        { kind: "Pod", name: driverPod },
        "Warning",
        "FailedMount",
        'MountVolume.SetUp failed for volume "jmx-exporter-config" : configmap "jmx-exporter-config" not found',
      );
      return "stuck";
    }
    if (scenario === "image-pull") {
      this.api.recordEvent(
        ns,
        { kind: "Pod", name: driverPod },
        "Warning",
        "Failed",
        `Failed to pull image "${initContainers[0]?.image ?? image}": manifest unknown`,
      );
      this.pod(app, driverPod, (p) => {
        p.status.initContainerStatuses = initContainers.map((c) => ({
          name: c.name,
          image: c.image,
          ready: false,
          state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${c.image}"` } },
        }));
      });
      return "stuck";
    }
    // Init containers run: the first one (the bootstrap) runs to completion, native sidecars keep running.
    const first = initContainers.find((c) => c.restartPolicy !== "Always");
    if (first) {
      this.pod(app, driverPod, (p) => {
        p.status.initContainerStatuses = p.status.initContainerStatuses.map((s: { name: string }) =>
          s.name === first.name ? { ...s, state: { running: { startedAt: now() } } } : s,
        );
      });
      this.api.appendLog(ns, driverPod, first.name, `bootstrap: fetching ${name} code`);
      await step();
      const extra = this.initDelayMs(app);
      if (extra > 0) await this.sleep(extra);
      this.api.appendLog(ns, driverPod, first.name, "bootstrap: ready");
      const code = scenario === "init-fail" ? 2 : 0;
      this.pod(app, driverPod, (p) => {
        p.status.initContainerStatuses = p.status.initContainerStatuses.map((s: { name: string }) =>
          s.name === first.name
            ? {
                ...s,
                state: {
                  terminated: { exitCode: code, reason: code ? "Error" : "Completed", finishedAt: now() },
                },
              }
            : { ...s, state: { running: { startedAt: now() } }, ready: true },
        );
      });
      this.api.endLog(ns, driverPod, first.name);
      if (code) return "stuck";
    }
    await step();
    this.pod(app, driverPod, (p) => {
      p.status.phase = "Running";
      p.status.conditions.push({ type: "Initialized", status: "True", lastTransitionTime: now() });
      p.status.containerStatuses = [
        { name: DRIVER, image, ready: true, state: { running: { startedAt: now() } } },
      ];
    });
    this.setState(app, "RUNNING", () => {});
    if (scenario === "rerun" && attempt === 1) {
      // The driver pod's node goes away: phase Unknown, then the driver fails and the app reruns.
      await step();
      this.pod(app, driverPod, (p) => (p.status.phase = "Unknown"));
      this.setState(app, "UNKNOWN", () => {});
      await step();
      this.setState(app, "FAILING", () => {});
      return "rerun";
    }
    if (scenario === "rerun" && attempt === 2) {
      // A spec change (here simulated) invalidates the running attempt: INVALIDATING, then a full rerun.
      await step();
      this.setState(app, "INVALIDATING", (s) => {
        s.submissionAttempts = 0;
        s.executionAttempts = 0;
      });
      return "rerun";
    }
    // Executors start.
    const execName = `${name}-exec-1`;
    if (this.alive(app)) {
      this.api.store.create("pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: execName,
          namespace: ns,
          labels: { ...labels, "spark-role": "executor", "spark-exec-id": "1" },
        },
        spec: { containers: [{ name: "spark-kubernetes-executor", image }] },
        status: {
          phase: "Running",
          containerStatuses: [
            { name: "spark-kubernetes-executor", image, state: { running: { startedAt: now() } } },
          ],
        },
      });
    }
    for (let i = 1; i <= this.driverLines; i++) {
      this.api.appendLog(ns, driverPod, DRIVER, `driver line ${i}`);
      await step();
      if (!this.alive(app)) return "done";
    }
    const exitCode = scenario === "fail" ? 1 : 0;
    this.api.endLog(ns, driverPod, DRIVER);
    const terminated = { exitCode, reason: exitCode ? "Error" : "Completed", finishedAt: now() };
    this.pod(app, driverPod, (p) => {
      // With a native sidecar still running, the pod phase stays Running after the driver exits.
      if (scenario !== "sidecar") p.status.phase = exitCode ? "Failed" : "Succeeded";
      p.status.containerStatuses = [{ name: DRIVER, image, ready: false, state: { terminated } }];
    });
    if (this.alive(app)) this.api.store.delete("pods", ns, execName);
    if (scenario === "sidecar") return "done"; // an older operator never leaves RUNNING: the pod phase never changed
    await step();
    this.setState(app, exitCode ? "FAILING" : "SUCCEEDING", () => {});
    await step();
    if (exitCode && this.alive(app)) {
      this.api.recordEvent(
        ns,
        { kind: "SparkApplication", name },
        "Warning",
        "SparkApplicationFailed",
        `SparkApplication ${name} failed: driver container failed with ExitCode: ${exitCode}, Reason: Error`,
      );
    }
    this.setState(app, exitCode ? "FAILED" : "COMPLETED", (s) => {
      s.terminationTime = now();
      if (exitCode)
        s.applicationState = {
          state: "FAILED",
          errorMessage: `driver container failed with ExitCode: ${exitCode}, Reason: Error`,
        };
    });
    return "done";
  }
}
