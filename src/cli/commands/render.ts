import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane render` lands.
export function register(program: Command): void {
  program
    .command("render")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane render` is not available in this version");
    });
}
