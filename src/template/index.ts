// The Jinja2-compatible template engine: output byte-identical to Python's jinja2 3.1 as Airflow configures
// it (SandboxedEnvironment, StrictUndefined, jinja2.ext.do, FileSystemLoader, trailing newline dropped).
export { Environment, Template } from "./environment.js";
export type { RenderOptions, RenderResult, TemplateSource } from "./environment.js";
export { TemplateError } from "./errors.js";
export { airflowContext, isoformat, parseLogicalDate } from "./airflow.js";
export type { AirflowContextOptions, LogicalDate } from "./airflow.js";
export { parseJsonPy } from "./json.js";
