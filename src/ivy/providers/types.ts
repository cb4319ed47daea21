import type { Token } from "../token.js";

/** One way of obtaining the registry token. Each implementation lives in its own file. */
export interface TokenProvider {
  /** Short name for logs and errors ("codeartifact", "file /run/token"); never holds the secret. */
  readonly name: string;
  /** Fetches a token now. Honours `signal` (stop or timeout). Throws InfraError/UserError, never with the token in it. */
  fetch(signal: AbortSignal): Promise<Token>;
  /** The private repository URL when the provider knows it (CodeArtifact's repository endpoint). */
  repositoryUrl?(signal: AbortSignal): Promise<string>;
  /** Calls `onChange` when the source changes (a rotated token file); returns a function that stops watching. */
  watch?(onChange: () => void): () => void;
}
