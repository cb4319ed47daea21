// The flags that shape a cost report, shared by `sparklane cost` and `sparklane ui`, so both read a ledger and
// group and price its runs the same way.
import { Option, type Command } from "commander";

export interface CostShapeFlags {
  by: string;
  allocation: "request" | "max";
  idle: "separate" | "share";
  prices?: string;
  ledger?: string;
}

export function addCostShapeFlags(cmd: Command, by: string): Command {
  return cmd
    .option("--by <keys>", by, "dag,task,module")
    .addOption(
      new Option("--allocation <mode>", "request: allocated = request; max: max(request, usage)")
        .choices(["request", "max"])
        .default("request"),
    )
    .addOption(
      new Option("--idle <how>", "separate: an idle line; share: idle spread over rows by cost")
        .choices(["separate", "share"])
        .default("separate"),
    )
    .option(
      "--prices <file>",
      "price file (YAML or JSON): instanceTypes: {TYPE: {vcpu, memoryGib, onDemand, spot}}",
    )
    .option(
      "--ledger <url>",
      "ledger: a path, sqlite:PATH or postgres://... (default: $SPARKLANE_LEDGER, else ~/.local/share/sparklane/ledger.db)",
    );
}
