import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane package` lands.
export function register(program: Command): void {
  program
    .command("package")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane package` is not available in this version");
    });
}
