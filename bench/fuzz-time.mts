import { genCase } from "../test/template/fuzz/generator.js";
import { sparklaneOutcome } from "../test/template/fuzz/runner.js";
const n = Number(process.argv[2]);
let tot = 0;
for (let i = 0; i < n; i++) { const c = genCase(1, i); const t = performance.now(); sparklaneOutcome(c); const d = performance.now() - t; tot += d; if (d > 200) console.log("SLOW", i, Math.round(d), c.source.slice(0, 300)); }
console.log("total ms", Math.round(tot));
