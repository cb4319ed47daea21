// The module boundaries of src/ (docs/architecture.md), checked by `npm test` through dependency-cruiser:
// an import that is not an edge of LAYERS below, a cycle, or a package used outside its folder fails the build.
// It sees static, dynamic (`import()`), re-exported and type-only imports alike.

/** Root files every folder may use; they import only each other. */
const SHARED = ["errors", "sleep", "backoff", "pyjson"];

/**
 * The allowed dependency graph between src/ folders: each folder may import itself, the shared root files
 * and exactly the folders listed. It is acyclic, so no folder cycle can form. `cli/` and `index.ts` (the
 * public API) sit on top and may import any library folder; nothing imports them.
 */
const LAYERS = {
  template: [],
  manifest: [],
  payload: ["manifest"],
  project: ["payload"],
  render: ["template", "manifest", "payload", "project"],
  lint: ["manifest", "payload", "project", "render"],
  runtime: [],
  artifact: ["project", "runtime"],
  bootstrap: ["artifact", "runtime"],
  local: ["render", "manifest", "runtime", "bootstrap"],
  kube: ["manifest"],
  ivy: ["runtime"],
  metrics: ["kube", "ledger"],
  bake: ["render", "manifest", "project", "runtime", "artifact", "local"],
  ledger: ["kube", "manifest"],
  cost: ["ledger"],
  ui: ["cost", "ledger"],
};

const shared = `^src/(${SHARED.join("|")})\\.ts$`;
const folders = (names) => (names.length ? [`^src/(${names.join("|")})/`] : []);

/** Packages that belong to one concern, and the only folders that may load them. */
const PACKAGES = [
  { pkg: "commander", in: ["cli"], why: "argument parsing is the CLI's; the library takes typed options" },
  { pkg: "@kubernetes/client-node", in: ["kube"], why: "only kube/ talks to the Kubernetes API" },
  { pkg: "@aws-sdk/", in: ["artifact", "ivy"], why: "S3 stores and CodeArtifact tokens only" },
  { pkg: "prom-client", in: ["metrics", "ivy"], why: "metrics registries live with their daemons" },
  { pkg: "better-sqlite3", in: ["ledger"], why: "the embedded ledger backend" },
  { pkg: "pg", in: ["ledger"], why: "the shared PostgreSQL ledger backend" },
  { pkg: "pino", in: ["cli"], why: "the library never prints; it reports through callbacks" },
];

export default {
  allowed: [
    // Packages, node builtins and data files outside src/ (package.json, the shared launch-only keys).
    {
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm", "npm-dev", "npm-peer", "npm-optional", "core"] },
    },
    { from: { path: "^src/" }, to: { path: "^(package\\.json$|python/)" } },
    { from: { path: "^src/" }, to: { path: shared } },
    { from: { path: "^src/([^/]+)/" }, to: { path: "^src/$1/" } },
    { from: { path: "^src/(cli/|index\\.ts$)" }, to: { path: "^src/", pathNot: "^src/(cli/|index\\.ts$)" } },
    { from: { path: "^src/cli/" }, to: { path: "^src/cli/" } },
    ...Object.entries(LAYERS)
      .filter(([, deps]) => deps.length > 0)
      .map(([folder, deps]) => ({ from: { path: `^src/${folder}/` }, to: { path: folders(deps) } })),
  ],
  allowedSeverity: "error",
  forbidden: [
    {
      name: "no-circular",
      comment: "A cycle, between folders or files, type-only imports included.",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that does not resolve cannot be checked against the graph.",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
    {
      name: "not-to-dev-dep",
      comment:
        "devDependencies are not installed with the package: src/ may name their types, not load them " +
        "(ajv compiles the CRD validator at generation time; the generated code must stand alone).",
      severity: "error",
      from: { path: "^src/" },
      to: { dependencyTypes: ["npm-dev"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "shared-is-a-leaf",
      comment: "errors.ts, sleep.ts, backoff.ts and pyjson.ts are used by every folder, so they use none.",
      severity: "error",
      from: { path: shared },
      to: { path: "^src/", pathNot: shared },
    },
    {
      name: "library-never-imports-cli",
      comment: "The library never prints or exits; only src/cli/ does, on top of it.",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli/|index\\.ts$)" },
      to: { path: "^src/(cli/|index\\.ts$)" },
    },
    {
      name: "manifest-does-no-io",
      comment: "manifest/ is pure: it checks what it is given and reads nothing.",
      severity: "error",
      // parse-store.ts is the on-disk parse cache that issue 10 removes; the exception goes with it.
      from: { path: "^src/manifest/", pathNot: "^src/manifest/parse-store\\.ts$" },
      to: {
        dependencyTypes: ["core"],
        path: "^(node:)?(fs|fs/promises|child_process|net|http|https|http2|dgram|dns|tls|worker_threads)$",
      },
    },
    {
      name: "template-does-not-parse-yaml",
      comment: "template/ renders text exactly as Jinja2 does; YAML is the manifest's business.",
      severity: "error",
      from: { path: "^src/template/" },
      to: { path: "(^|/)node_modules/yaml/|^src/manifest/" },
    },
    ...PACKAGES.map((p) => ({
      name: `package-${p.pkg.replace(/[^a-z]+/g, "-").replace(/^-|-$/g, "")}`,
      comment: `${p.pkg} only in ${p.in.join(", ")}: ${p.why}.`,
      severity: "error",
      from: { path: "^src/", pathNot: `^src/(${p.in.join("|")})/` },
      to: { path: `(^|/)node_modules/${p.pkg.replace(/\//g, "\\/")}` },
    })),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
