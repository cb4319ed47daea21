// The library's public API. It never prints and never exits; see src/cli for that.
export * from "./errors.js";
export * from "./render/index.js";
