import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane publish` lands.
export function register(program: Command): void {
  program
    .command("publish")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane publish` is not available in this version");
    });
}
