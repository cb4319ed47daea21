// test/cluster/main.ts up|down|status|env: starts and stops the project's test cluster.
//
//   node --import tsx test/cluster/main.ts [--state-dir DIR] up [--no-webhook] [--control-plane-only] [--until-pid PID]
//   node --import tsx test/cluster/main.ts down
//   node --import tsx test/cluster/main.ts status      exit 0 when up and answering, 1 otherwise
//   node --import tsx test/cluster/main.ts env         prints `export KUBECONFIG=...` lines for a shell
//
// --state-dir (default $SPARKLANE_TEST_CLUSTER, else ~/.cache/sparklane/test-cluster/run) is where a cluster keeps
// its PKI, data, logs and cluster.json: a second cluster with its own folder runs beside the first on other
// ports (doctor.test.ts starts one to break it on purpose).
//
// `up` stops what it started when it fails or is interrupted. With --until-pid, a watchdog stops the cluster
// when that process ends, even if it was killed without a chance to run `down` (kill -9 of a test run).
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { adminApi, down, readInfo, repoRoot, stateDir, up } from "./cluster.js";

const argv = process.argv.slice(2);
if (argv[0] === "--state-dir") {
  if (!argv[1]) {
    console.error("--state-dir needs a folder");
    process.exit(2);
  }
  // Read by stateDir() on every call, and inherited by the watchdog.
  process.env.SPARKLANE_TEST_CLUSTER = resolve(argv[1]);
  argv.splice(0, 2);
}
const [cmd, ...rest] = argv;
const watchdogPid = () => join(stateDir(), "watchdog.pid");

function stopWatchdog() {
  if (!existsSync(watchdogPid())) return;
  const pid = Number(readFileSync(watchdogPid(), "utf8"));
  rmSync(watchdogPid(), { force: true });
  if (pid && pid !== process.pid) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      /* gone */
    }
  }
}

async function main(): Promise<number> {
  switch (cmd) {
    case "up": {
      const until = rest.includes("--until-pid") ? Number(rest[rest.indexOf("--until-pid") + 1]) : undefined;
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
      };
      process.on("SIGINT", onSignal);
      process.on("SIGTERM", onSignal);
      const info = await up({
        webhook: !rest.includes("--no-webhook"),
        controlPlaneOnly: rest.includes("--control-plane-only"),
        operator: !rest.includes("--no-operator"),
        log: (l) => {
          console.error(`test cluster: ${l}`);
          if (interrupted) throw new Error("test cluster: interrupted");
        },
      });
      if (until) {
        const w = spawn(
          process.execPath,
          ["--import", "tsx", "test/cluster/main.ts", "watchdog", String(until)],
          {
            cwd: repoRoot,
            detached: true,
            stdio: "ignore",
          },
        );
        writeFileSync(watchdogPid(), String(w.pid));
        w.unref();
      }
      console.error(`test cluster: up in ${info.startSeconds.toFixed(1)} s; KUBECONFIG=${info.kubeconfig}`);
      console.log(`export KUBECONFIG=${info.kubeconfig}`);
      console.log(`export SPARKLANE_TEST_CLUSTER=${info.stateDir}`);
      return 0;
    }
    case "down": {
      stopWatchdog();
      const stopped = await down();
      console.error(`test cluster: stopped ${stopped.length ? stopped.join(", ") : "nothing (not running)"}`);
      return 0;
    }
    case "status": {
      const info = readInfo();
      if (!info) {
        console.error(`test cluster: not running (no ${join(stateDir(), "cluster.json")})`);
        return 1;
      }
      const r = await adminApi(info)
        .call("GET", "/readyz")
        .catch(() => undefined);
      console.error(`test cluster: ${info.server} ${r?.status === 200 ? "ready" : "NOT answering"}`);
      return r?.status === 200 ? 0 : 1;
    }
    case "env": {
      const info = readInfo();
      if (!info) return 1;
      console.log(`export KUBECONFIG=${info.kubeconfig}`);
      console.log(`export SPARKLANE_TEST_CLUSTER=${info.stateDir}`);
      return 0;
    }
    case "watchdog": {
      const parent = Number(rest[0]);
      // Bounded by the parent's life; checks once a second.
      for (;;) {
        await new Promise((r) => setTimeout(r, 1000));
        try {
          process.kill(parent, 0);
        } catch {
          rmSync(watchdogPid(), { force: true });
          await down();
          return 0;
        }
      }
    }
    default:
      console.error(
        "usage: test/cluster/main.ts [--state-dir DIR] up [--no-webhook] [--control-plane-only] [--until-pid PID] | down | status | env",
      );
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  },
);
