// The plain entry (bin/sparklane.js): every command, ESM, external clients loaded lazily.
import { runMain } from "./main.js";

// Which entry ran: bin/sparklane prints why it did not use the snapshot, the snapshot prints its own line.
if (process.env.SPARKLANE_TRACE_START === "1") process.stderr.write("sparklane: start: plain entry\n");
process.exitCode = await runMain(process.argv);
