import type { Command } from "commander";
import { UserError } from "../../errors.js";

// Placeholder until the issue that builds `sparklane logs` lands.
export function register(program: Command): void {
  program
    .command("logs")
    .description("(not yet available)")
    .allowUnknownOption()
    .action(() => {
      throw new UserError("`sparklane logs` is not available in this version");
    });
}
