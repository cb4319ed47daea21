import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane validate` lands.
export function register(program: Command): void {
  program
    .command("validate")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane validate` is not available in this version");
    });
}
