import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane list` lands.
export function register(program: Command): void {
  program
    .command("list")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane list` is not available in this version");
    });
}
