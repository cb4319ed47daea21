import { UserError } from "../../errors.js";
import { checkToken, type Token } from "../token.js";
import type { TokenProvider } from "./types.js";

export function envProvider(name: string, env: NodeJS.ProcessEnv = process.env): TokenProvider {
  return {
    name: `env ${name}`,
    async fetch(): Promise<Token> {
      const value = env[name];
      if (value === undefined || value === "") {
        throw new UserError(
          `environment variable ${name} is not set or empty`,
          "set it, or use another --provider",
        );
      }
      return checkToken(`env ${name}`, value.trim());
    },
  };
}
