import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane run` lands.
export function register(program: Command): void {
  program
    .command("run")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane run` is not available in this version");
    });
}
