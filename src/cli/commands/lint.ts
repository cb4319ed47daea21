import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane lint` lands.
export function register(program: Command): void {
  program
    .command("lint")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane lint` is not available in this version");
    });
}
