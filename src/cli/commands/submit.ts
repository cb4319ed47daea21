import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane submit` lands.
export function register(program: Command): void {
  program
    .command("submit")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane submit` is not available in this version");
    });
}
