// The payload's JSON -> Python value model lives in src/pyjson.ts, shared with the payload module.
export { parseJsonPy } from "../pyjson.js";
