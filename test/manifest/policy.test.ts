import { test } from "node:test";
import assert from "node:assert/strict";
import { checkPolicy } from "../../src/manifest/index.js";
import type { Policy } from "../../src/manifest/index.js";
import { issues, seedDoc, type Doc } from "./helpers.js";

const policyIssues = (mutate: (d: Doc) => void, policy?: Policy) =>
  issues(mutate, { policy }).filter((i) => i.step === "policy");

test("the seed renders pass the default policy and a registry allow-list", () => {
  for (const name of ["visits-daily", "visits-mem-intensive", "visits-standard-image"]) {
    assert.deepEqual(checkPolicy(seedDoc(name)), []);
    assert.deepEqual(checkPolicy(seedDoc(name), { allowedImages: ["<registry>/*"] }), []);
  }
});

const container = (extra: Record<string, unknown>) => ({ name: "side", image: "<registry>/x:1", ...extra });

const REFUSED: Array<{
  name: string;
  mutate: (d: Doc) => void;
  path: string;
  message: RegExp;
  policy?: Policy;
}> = [
  {
    name: "a privileged driver",
    mutate: (d) => (d.spec.driver.securityContext = { privileged: true }),
    path: "spec.driver.securityContext.privileged",
    message: /privileged/,
  },
  {
    name: "a privileged sidecar",
    mutate: (d) => (d.spec.executor.sidecars = [container({ securityContext: { privileged: true } })]),
    path: "spec.executor.sidecars[0].securityContext.privileged",
    message: /privileged/,
  },
  {
    name: "a privileged init container",
    mutate: (d) => (d.spec.driver.initContainers[0].securityContext = { privileged: true }),
    path: "spec.driver.initContainers[0].securityContext.privileged",
    message: /privileged/,
  },
  {
    name: "allowPrivilegeEscalation",
    mutate: (d) => (d.spec.executor.securityContext = { allowPrivilegeEscalation: true }),
    path: "spec.executor.securityContext.allowPrivilegeEscalation",
    message: /allowPrivilegeEscalation/,
  },
  {
    name: "hostNetwork on the executor",
    mutate: (d) => (d.spec.executor.hostNetwork = true),
    path: "spec.executor.hostNetwork",
    message: /hostNetwork: true/,
  },
  {
    name: "hostNetwork on the driver",
    mutate: (d) => (d.spec.driver.hostNetwork = true),
    path: "spec.driver.hostNetwork",
    message: /hostNetwork: true/,
  },
  {
    name: "SYS_ADMIN added",
    mutate: (d) =>
      (d.spec.driver.securityContext = { capabilities: { add: ["NET_BIND_SERVICE", "SYS_ADMIN"] } }),
    path: "spec.driver.securityContext.capabilities.add[1]",
    message: /capability "SYS_ADMIN"/,
  },
  {
    name: "CAP_NET_ADMIN added",
    mutate: (d) =>
      (d.spec.executor.initContainers[0].securityContext = { capabilities: { add: ["CAP_NET_ADMIN"] } }),
    path: "spec.executor.initContainers[0].securityContext.capabilities.add[0]",
    message: /NET_ADMIN/,
  },
  {
    name: "a host port",
    mutate: (d) => (d.spec.driver.sidecars = [container({ ports: [{ containerPort: 80, hostPort: 80 }] })]),
    path: "spec.driver.sidecars[0].ports[0].hostPort",
    message: /host ports/,
  },
  {
    name: "a hostPath volume",
    mutate: (d) => d.spec.volumes.push({ name: "root", hostPath: { path: "/" } }),
    path: "spec.volumes[2].hostPath",
    message: /hostPath volume "root"/,
  },
  {
    name: "a hostPath volume through sparkConf (driver)",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.driver.volumes.hostPath.root.mount.path"] = "/host"),
    path: 'spec.sparkConf["spark.kubernetes.driver.volumes.hostPath.root.mount.path"]',
    message: /hostPath volumes set through sparkConf/,
  },
  {
    name: "a hostPath volume through sparkConf (executor options)",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.executor.volumes.hostPath.root.options.path"] = "/"),
    path: 'spec.sparkConf["spark.kubernetes.executor.volumes.hostPath.root.options.path"]',
    message: /hostPath/,
  },
  {
    name: "a driver podTemplateFile",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.driver.podTemplateFile"] = "/t.yaml"),
    path: 'spec.sparkConf["spark.kubernetes.driver.podTemplateFile"]',
    message: /pod template files/,
  },
  {
    name: "an executor podTemplateFile",
    mutate: (d) => (d.spec.sparkConf["spark.kubernetes.executor.podTemplateFile"] = "/t.yaml"),
    path: 'spec.sparkConf["spark.kubernetes.executor.podTemplateFile"]',
    message: /pod template files/,
  },
  {
    name: "hostPID in the pod template",
    mutate: (d) => (d.spec.executor.template = { spec: { hostPID: true } }),
    path: "spec.executor.template.spec.hostPID",
    message: /hostPID/,
  },
  {
    name: "hostIPC in the pod template",
    mutate: (d) => (d.spec.driver.template = { spec: { hostIPC: true } }),
    path: "spec.driver.template.spec.hostIPC",
    message: /hostIPC/,
  },
  {
    name: "a hostPath volume in the pod template",
    mutate: (d) => (d.spec.driver.template = { spec: { volumes: [{ name: "h", hostPath: { path: "/" } }] } }),
    path: "spec.driver.template.spec.volumes[0].hostPath",
    message: /hostPath/,
  },
  {
    name: "a privileged container in the pod template",
    mutate: (d) =>
      (d.spec.executor.template = {
        spec: { containers: [{ name: "c", securityContext: { privileged: true } }] },
      }),
    path: "spec.executor.template.spec.containers[0].securityContext.privileged",
    message: /privileged/,
  },
  {
    name: "an image outside the allow-list",
    mutate: (d) => (d.spec.image = "evil.example/spark:4"),
    path: "spec.image",
    message: /not in the policy's allowed images/,
    policy: { allowedImages: ["<registry>/*"] },
  },
  {
    name: "a prefix that only looks allowed",
    mutate: (d) => (d.spec.driver.image = "<registry>-evil/spark:4"),
    path: "spec.driver.image",
    message: /not in/,
    policy: { allowedImages: ["<registry>/*"] },
  },
  {
    name: "an init container image outside the list",
    mutate: (d) => (d.spec.driver.initContainers[1].image = "docker.io/jmx:1"),
    path: "spec.driver.initContainers[1].image",
    message: /not in/,
    policy: { allowedImages: ["<registry>/*"] },
  },
  {
    name: "a sidecar image outside the list",
    mutate: (d) => (d.spec.executor.sidecars = [{ name: "s", image: "busybox" }]),
    path: "spec.executor.sidecars[0].image",
    message: /"busybox"/,
    policy: { allowedImages: ["<registry>/*"] },
  },
  {
    name: "a pod template image outside the list",
    mutate: (d) => (d.spec.executor.template = { spec: { initContainers: [{ name: "c", image: "x/y" }] } }),
    path: "spec.executor.template.spec.initContainers[0].image",
    message: /not in/,
    policy: { allowedImages: ["<registry>/*"] },
  },
  {
    name: "an exact-name entry that does not match",
    mutate: (d) => (d.spec.image = "<registry>/spark:4.0.1"),
    path: "spec.image",
    message: /not in/,
    policy: { allowedImages: ["<registry>/spark:4.0.0-python3-pre-baked", "<registry>/jmx-exporter:*"] },
  },
];

for (const c of REFUSED) {
  test(`policy refuses ${c.name}`, () => {
    const found = policyIssues(c.mutate, c.policy);
    assert.equal(found.length, 1, JSON.stringify(found, null, 1));
    assert.equal(found[0]!.path, c.path);
    assert.match(found[0]!.message, c.message);
    assert.match(found[0]!.where, /^app\.yaml:\d+:\d+ /);
  });
}

const ACCEPTED: Array<{ name: string; mutate: (d: Doc) => void; policy?: Policy }> = [
  {
    name: "privileged: false and allowPrivilegeEscalation: false",
    mutate: (d) => (d.spec.driver.securityContext = { privileged: false, allowPrivilegeEscalation: false }),
  },
  {
    name: "baseline capabilities",
    mutate: (d) =>
      (d.spec.driver.securityContext = {
        capabilities: { add: ["NET_BIND_SERVICE", "CHOWN"], drop: ["ALL"] },
      }),
  },
  { name: "hostNetwork: false", mutate: (d) => (d.spec.executor.hostNetwork = false) },
  {
    name: "emptyDir and PVC volumes",
    mutate: (d) => d.spec.volumes.push({ name: "p", persistentVolumeClaim: { claimName: "c" } }),
  },
  {
    name: "other spark.kubernetes volume confs",
    mutate: (d) =>
      (d.spec.sparkConf["spark.kubernetes.executor.volumes.persistentVolumeClaim.data.mount.path"] = "/data"),
  },
  { name: "any image without an allow-list", mutate: (d) => (d.spec.image = "anything/at:all") },
  {
    name: "images matching exact and prefix entries",
    mutate: () => undefined,
    policy: { allowedImages: ["<registry>/spark:4.0.0-python3-pre-baked", "<registry>/jmx-exporter:*"] },
  },
  {
    name: "a custom capability allow-list",
    mutate: (d) => (d.spec.driver.securityContext = { capabilities: { add: ["SYS_PTRACE"] } }),
    policy: { allowedCapabilities: ["SYS_PTRACE"] },
  },
];

for (const c of ACCEPTED) {
  test(`policy accepts ${c.name}`, () => {
    assert.deepEqual(policyIssues(c.mutate, c.policy), []);
  });
}

test("every violation is collected, in source order", () => {
  const found = policyIssues((d) => {
    d.spec.executor.hostNetwork = true;
    d.spec.driver.securityContext = { privileged: true };
    d.spec.sparkConf["spark.kubernetes.driver.podTemplateFile"] = "/t";
  });
  assert.equal(found.length, 3);
  const lines = found.map((i) => i.line!);
  assert.deepEqual(
    lines,
    [...lines].sort((a, b) => a - b),
  );
});
