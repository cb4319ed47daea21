// The CLI's entry (bin/sparklane.js): every command, ESM, each command's code loaded when it runs.
import { runMain } from "./main.js";

process.exitCode = await runMain(process.argv);
