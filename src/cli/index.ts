// The plain entry (bin/sparklane.js): every command, ESM, external clients loaded lazily.
import { runMain } from "./main.js";

process.exitCode = await runMain(process.argv);
