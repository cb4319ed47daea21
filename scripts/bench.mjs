// npm run bench [-- name...]: runs bench/<name>.ts (all of them without names) through tsx.
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

const names = process.argv.slice(2);
const all = readdirSync("bench")
  .filter((f) => f.endsWith(".ts") && f !== "stats.ts")
  .map((f) => f.replace(/\.ts$/, ""));
let failed = 0;
for (const name of names.length ? names : all) {
  console.log(`\n== bench/${name}`);
  const r = spawnSync(process.execPath, ["--import", "tsx", `bench/${name}.ts`], { stdio: "inherit" });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
