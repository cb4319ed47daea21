// Reading driver and executor pods: stuck-pod detection, driver termination, phase timestamps. Pure.

export interface ContainerStatus {
  name: string;
  image?: string;
  state?: {
    waiting?: { reason?: string; message?: string };
    running?: { startedAt?: string | Date };
    terminated?: {
      exitCode?: number;
      reason?: string;
      message?: string;
      startedAt?: string | Date;
      finishedAt?: string | Date;
    };
  };
  lastState?: ContainerStatus["state"];
}

export interface Pod {
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
  };
  spec?: {
    initContainers?: { name: string; image?: string; restartPolicy?: string }[];
    containers?: { name: string; image?: string }[];
  };
  status?: {
    phase?: string;
    conditions?: {
      type: string;
      status: string;
      lastTransitionTime?: string | Date;
      reason?: string;
      message?: string;
    }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
}

export const DRIVER_CONTAINER = "spark-kubernetes-driver";
/** Waiting reasons that never resolve without a change to the spec or the cluster. */
export const STUCK_REASONS = [
  "ImagePullBackOff",
  "ErrImagePull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "InvalidImageName",
];

export interface Stuck {
  pod: string;
  container: string;
  initContainer: boolean;
  reason: string;
  image: string;
  message?: string;
  exitCode?: number;
}

const iso = (v: string | Date | undefined): string | undefined =>
  v === undefined ? undefined : v instanceof Date ? v.toISOString() : v;

export function isSidecar(pod: Pod, container: string): boolean {
  return pod.spec?.initContainers?.find((c) => c.name === container)?.restartPolicy === "Always";
}

function imageOf(pod: Pod, s: ContainerStatus): string {
  const specImage = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (c) => c.name === s.name,
  )?.image;
  return specImage ?? s.image ?? "(unknown image)";
}

/** The first reason this driver pod can never start, or undefined. */
export function detectStuck(pod: Pod): Stuck | undefined {
  const name = pod.metadata?.name ?? "?";
  const check = (s: ContainerStatus, init: boolean): Stuck | undefined => {
    const w = s.state?.waiting;
    if (w?.reason && STUCK_REASONS.includes(w.reason)) {
      return {
        pod: name,
        container: s.name,
        initContainer: init,
        reason: w.reason,
        image: imageOf(pod, s),
        message: w.message,
      };
    }
    const t = s.state?.terminated;
    if (init && !isSidecar(pod, s.name) && t && (t.exitCode ?? 0) !== 0) {
      return {
        pod: name,
        container: s.name,
        initContainer: true,
        reason: t.reason ?? "Error",
        image: imageOf(pod, s),
        message: t.message,
        exitCode: t.exitCode,
      };
    }
    return undefined;
  };
  for (const s of pod.status?.initContainerStatuses ?? []) {
    const r = check(s, true);
    if (r) return r;
  }
  for (const s of pod.status?.containerStatuses ?? []) {
    const r = check(s, false);
    if (r) return r;
  }
  return undefined;
}

export function describeStuck(s: Stuck): string {
  const what = s.initContainer ? "init container" : "container";
  const exit = s.exitCode !== undefined ? ` (exit code ${s.exitCode})` : "";
  return `driver pod ${s.pod}: ${what} "${s.container}" (image ${s.image}) is stuck: ${s.reason}${exit}${s.message ? `: ${s.message}` : ""}`;
}

/** An init container that exited non-zero (the pod has failed), named with its image and exit code. */
export function describeInitFailure(s: Stuck): string {
  return `driver pod ${s.pod}: init container "${s.container}" (image ${s.image}) exited with code ${s.exitCode ?? "?"} (${s.reason})${s.message ? `: ${s.message}` : ""}`;
}

export function driverTermination(
  pod: Pod,
): { exitCode: number; reason?: string; finishedAt?: string } | undefined {
  const t = pod.status?.containerStatuses?.find((c) => c.name === DRIVER_CONTAINER)?.state?.terminated;
  return t ? { exitCode: t.exitCode ?? 0, reason: t.reason, finishedAt: iso(t.finishedAt) } : undefined;
}

export function conditionTime(pod: Pod, type: string): string | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === type && x.status === "True");
  return iso(c?.lastTransitionTime);
}

export function containerStartedAt(pod: Pod, container: string): string | undefined {
  const s = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find(
    (c) => c.name === container,
  );
  return iso(s?.state?.running?.startedAt ?? s?.state?.terminated?.startedAt);
}

/**
 * Start latency as the exporter's histogram and the run ledger both measure it: seconds from the application's
 * creation to its driver container starting (the first execution attempt), never negative.
 */
export function startLatencySeconds(
  createdMs: number | undefined,
  driverStartedMs: number | undefined,
): number | undefined {
  if (createdMs === undefined || driverStartedMs === undefined) return undefined;
  if (!Number.isFinite(createdMs) || !Number.isFinite(driverStartedMs)) return undefined;
  return Math.max(0, (driverStartedMs - createdMs) / 1000);
}

export function anyContainerStartedAt(pod: Pod): string | undefined {
  const times = (pod.status?.containerStatuses ?? [])
    .map((s) => iso(s.state?.running?.startedAt ?? s.state?.terminated?.startedAt))
    .filter((t): t is string => !!t);
  return times.sort()[0];
}

/** The scheduler's reason a pod is not placed yet (not fatal: an autoscaler may add nodes). */
export function unschedulable(pod: Pod): string | undefined {
  const c = pod.status?.conditions?.find((x) => x.type === "PodScheduled" && x.status === "False");
  return c?.reason === "Unschedulable" ? (c.message ?? c.reason) : undefined;
}

export function roleOf(pod: Pod): string | undefined {
  return pod.metadata?.labels?.["spark-role"];
}

/**
 * Containers of a driver pod still running besides the driver container (sidecars, native sidecars): what
 * keeps the pod Running, and so the application RUNNING, after Spark itself has ended.
 */
export function otherRunningContainers(pod: Pod): string[] {
  return [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .filter((s) => s.name !== DRIVER_CONTAINER && s.state?.running)
    .map((s) => s.name);
}
