// Where `sparklane ui` gets its reports. A report file is read and checked on every request, so the page always
// shows the file as it is now.
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";
import { CostReport } from "../cost/report.js";
import type { ReportSource } from "./server.js";

/** Reads a CostReport JSON file (`sparklane cost --output json`); a window asked for must be the file's. */
export function fileReportSource(path: string): ReportSource {
  return async ({ window }) => {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (e) {
      throw new UserError(
        `--report ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        "write one with `sparklane cost --output json > report.json`",
        { cause: e },
      );
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new UserError(`--report ${path}: not JSON (${(e as Error).message})`, undefined, { cause: e });
    }
    const r = CostReport.safeParse(data);
    if (!r.success) {
      const i = r.error.issues[0];
      throw new UserError(
        `--report ${path}: not a sparklane cost report: ${i.path.join(".") || "(root)"}: ${i.message}`,
        "write one with `sparklane cost --output json`",
      );
    }
    if (window !== undefined && window !== r.data.window.label)
      throw new UserError(
        `window ${JSON.stringify(window)}: --report ${path} holds the window ${JSON.stringify(r.data.window.label)} only`,
        `ask for ?window=${r.data.window.label}, or write a report for that window with \`sparklane cost --window ${window} --output json\``,
      );
    return r.data;
  };
}
