// Reads a file in a tight loop until STOP appears next to it, and reports every read that was not
// exactly one of the allowed contents (empty, partial, missing after the first write).
import { existsSync, readFileSync } from "node:fs";
const [file, stop, ...allowedFiles] = process.argv.slice(2);
const allowed = new Set(allowedFiles.map((f) => readFileSync(f, "utf8")));
let reads = 0,
  bad = 0,
  missing = 0,
  seen = false;
const samples = [];
while (!existsSync(stop)) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    if (seen) missing++;
    continue;
  }
  seen = true;
  reads++;
  if (!allowed.has(text)) {
    bad++;
    if (samples.length < 3) samples.push(text.length);
  }
}
process.stdout.write(JSON.stringify({ reads, bad, missing, badLengths: samples }));
