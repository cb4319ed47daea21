import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane ivy-settings` lands.
export function register(program: Command): void {
  program
    .command("ivy-settings")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane ivy-settings` is not available in this version");
    });
}
