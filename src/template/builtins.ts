// The filters and tests of Airflow's template environment: jinja2's defaults (DEFAULT_FILTERS, DEFAULT_TESTS)
// plus the filters Airflow's sandbox subclass adds.
import { AIRFLOW_FILTERS } from "./airflow-filters.js";
import { FILTERS } from "./filters.js";
import type { Builtins } from "./registry.js";
import { TESTS } from "./tests.js";

export const BUILTINS: Builtins = { filters: new Map([...FILTERS, ...AIRFLOW_FILTERS]), tests: TESTS };
