import {
  CodeartifactClient,
  GetAuthorizationTokenCommand,
  GetRepositoryEndpointCommand,
} from "@aws-sdk/client-codeartifact";
import { InfraError } from "../../errors.js";
import { checkToken, redactUrl, type Token } from "../token.js";
import type { TokenProvider } from "./types.js";

export interface CodeArtifactOptions {
  readonly domain: string;
  readonly domainOwner: string;
  readonly repository: string;
  readonly region: string;
  /** Token lifetime asked for; CodeArtifact's own default (12 h) when absent. */
  readonly durationSeconds?: number;
  /** A different API endpoint (VPC endpoint, or a test server). */
  readonly endpoint?: string;
}

/**
 * GetAuthorizationToken through the AWS SDK with the default credential chain (IRSA / Pod Identity in
 * the cluster). The SDK's own retries are limited to two attempts: the refresher backs off with
 * jitter itself, and stacked retries would multiply calls against a rate-limited API.
 */
export function codeArtifactProvider(opts: CodeArtifactOptions, client?: CodeartifactClient): TokenProvider {
  const ca =
    client ??
    new CodeartifactClient({
      region: opts.region,
      maxAttempts: 2,
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    });
  const name = "codeartifact";
  let endpoint: string | undefined;
  return {
    name,
    async fetch(signal: AbortSignal): Promise<Token> {
      try {
        const out = await ca.send(
          new GetAuthorizationTokenCommand({
            domain: opts.domain,
            domainOwner: opts.domainOwner,
            ...(opts.durationSeconds !== undefined ? { durationSeconds: opts.durationSeconds } : {}),
          }),
          { abortSignal: signal },
        );
        if (typeof out.authorizationToken !== "string") {
          throw new InfraError("CodeArtifact GetAuthorizationToken answered without an authorizationToken");
        }
        const expiresAt = out.expiration instanceof Date ? out.expiration : undefined;
        return checkToken(name, out.authorizationToken, expiresAt);
      } catch (err) {
        throw sdkError("GetAuthorizationToken", err, signal);
      }
    },
    async repositoryUrl(signal: AbortSignal): Promise<string> {
      if (endpoint) return endpoint;
      try {
        const out = await ca.send(
          new GetRepositoryEndpointCommand({
            domain: opts.domain,
            domainOwner: opts.domainOwner,
            repository: opts.repository,
            format: "maven",
          }),
          { abortSignal: signal },
        );
        if (!out.repositoryEndpoint)
          throw new InfraError("CodeArtifact GetRepositoryEndpoint answered without a repositoryEndpoint");
        endpoint = out.repositoryEndpoint;
        return endpoint;
      } catch (err) {
        throw sdkError("GetRepositoryEndpoint", err, signal);
      }
    },
  };
}

// SDK errors can carry the request (and so a signed URL) in `$response`; only the name, status and
// message go out, and only after URL credentials are stripped.
function sdkError(op: string, err: unknown, signal: AbortSignal): Error {
  if (err instanceof InfraError) return err;
  if (signal.aborted) {
    const why = signal.reason instanceof Error ? signal.reason.message : "aborted";
    return new InfraError(`CodeArtifact ${op} was stopped: ${why}`);
  }
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : "";
  const message = redactUrl(String(e.message ?? err)).slice(0, 300);
  return new InfraError(
    `CodeArtifact ${op} failed${status}: ${e.name ?? "Error"}: ${message}`,
    "check the IAM role (codeartifact:GetAuthorizationToken, codeartifact:GetRepositoryEndpoint, sts:GetServiceBearerToken), the region and the domain owner",
  );
}
