// The pure front half of every command: payload -> template variant -> Jinja2 render -> YAML 1.1 parse
// -> manifest checks. `render` stops here; `run --local` and `submit` go on from the result.
export type { Variant, RenderRequest, Rendered } from "./types.js";
export {
  renderAndCheck,
  renderAndCheckSync,
  clearTemplateCache,
  templateNameFor,
  variantFor,
  type PreparedRequest,
} from "./pipeline.js";
