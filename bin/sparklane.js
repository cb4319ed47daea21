#!/usr/bin/env node
// With SPARKLANE_DEBUG, stack traces point into src/*.ts through the bundle's source maps rather than into the
// minified bundle. Enabled before the bundle loads (hence the dynamic import), and only then: mapping costs
// start-up time.
const debug = process.env.SPARKLANE_DEBUG;
if (debug && debug !== "0") process.setSourceMapsEnabled(true);
await import("../dist/cli.js");
