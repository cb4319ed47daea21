/**
 * The closed error vocabulary. The library throws only these; `src/cli` maps them to output and exit codes.
 * Every message names the thing (key path, file:line:col, resource), what was expected and what was found.
 */

/** One problem found while checking input; `where` is a key path, `file:line:col` or manifest path. */
export interface Issue {
  readonly where: string;
  readonly message: string;
  readonly hint?: string;
}

export const ExitCode = {
  ok: 0,
  failed: 1,
  badInput: 2,
  unreachable: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Rejected input: flags, payload, project files, template. Exit 2. */
export class UserError extends Error {
  readonly exitCode: ExitCode = ExitCode.badInput;
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "UserError";
  }
}

/** A list of problems found by a check step (payload schema, manifest schema, policy). Exit 2. */
export class ValidationError extends UserError {
  constructor(
    readonly step: string,
    readonly issues: readonly Issue[],
    options?: ErrorOptions,
  ) {
    super(`${step}: ${issues.length} problem${issues.length === 1 ? "" : "s"}`, undefined, options);
    this.name = "ValidationError";
  }
}

/** Infrastructure unreachable or refused: Kubernetes API, object store, registry. Exit 3. */
export class InfraError extends Error {
  readonly exitCode: ExitCode = ExitCode.unreachable;
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "InfraError";
  }
}

/** The Kubernetes API answered with an error status. Exit 3 unless the CLI decides otherwise. */
export class KubeApiError extends InfraError {
  constructor(
    message: string,
    readonly code: number,
    readonly reason?: string,
    readonly body?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, undefined, options);
    this.name = "KubeApiError";
  }
}

/** The job ran and failed (Spark error, FAILED application). Exit 1, not a bug. */
export class JobFailedError extends Error {
  readonly exitCode: ExitCode = ExitCode.failed;
  constructor(
    message: string,
    readonly details?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "JobFailedError";
  }
}

/** The user interrupted; clean-up already happened. Exit 130. */
export class InterruptedError extends Error {
  readonly exitCode: ExitCode = ExitCode.interrupted;
  constructor(message = "interrupted") {
    super(message);
    this.name = "InterruptedError";
  }
}

/** A fault in sparklane itself. Exit 1, and the CLI says it is a bug. */
export class InternalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InternalError";
  }
}

export type SparklaneError = UserError | InfraError | JobFailedError | InterruptedError | InternalError;
