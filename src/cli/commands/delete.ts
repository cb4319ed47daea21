import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane delete` lands.
export function register(program: Command): void {
  program
    .command("delete")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane delete` is not available in this version");
    });
}
