// jinja2's default filters and tests, as one registry (jinja2.defaults.DEFAULT_FILTERS / DEFAULT_TESTS).
import { FILTERS } from "./filters.js";
import type { Builtins } from "./registry.js";
import { TESTS } from "./tests.js";

export const BUILTINS: Builtins = { filters: FILTERS, tests: TESTS };
