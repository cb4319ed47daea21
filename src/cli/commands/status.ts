import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane status` lands.
export function register(program: Command): void {
  program
    .command("status")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane status` is not available in this version");
    });
}
