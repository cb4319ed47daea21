import { UserError } from "../errors.js";

/**
 * A template that cannot be loaded, parsed or rendered. `kind` is the name of the exception Python's jinja2
 * raises for the same problem (UndefinedError, TemplateSyntaxError, TypeError, ...), so the differential test
 * can require both engines to fail the same way.
 */
export class TemplateError extends UserError {
  constructor(
    readonly kind: string,
    readonly file: string,
    readonly line: number,
    readonly col: number,
    readonly detail: string,
    hint?: string,
  ) {
    super(`${file}:${line}:${col}: ${detail}`, hint);
    this.name = "TemplateError";
  }
}

/** Where an AST node sits: used to point runtime errors at the expression that caused them. */
export interface Pos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The expression's source text, quoted in messages. */
  readonly text: string;
}

/**
 * A Python-level exception raised by value helpers (TypeError, ZeroDivisionError...). It has no position:
 * the renderer attaches the position of the operation being evaluated.
 */
export class PyError extends Error {
  constructor(
    readonly kind: string,
    message: string,
    readonly pos?: Pos,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "PyError";
  }
}
