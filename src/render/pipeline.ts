import type { RenderRequest, Rendered } from "./index.js";
import { InternalError } from "../errors.js";

export async function renderAndCheck(_req: RenderRequest): Promise<Rendered> {
  throw new InternalError("renderAndCheck is being built");
}
