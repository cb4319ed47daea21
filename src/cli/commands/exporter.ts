import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane exporter` lands.
export function register(program: Command): void {
  program
    .command("exporter")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane exporter` is not available in this version");
    });
}
