import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane bootstrap` lands.
export function register(program: Command): void {
  program
    .command("bootstrap")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane bootstrap` is not available in this version");
    });
}
