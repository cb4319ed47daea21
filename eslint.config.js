import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/manifest/generated/", "examples/**/.venv/", "**/*.py"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    linterOptions: { reportUnusedDisableDirectives: true },
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector: "CallExpression[callee.object.name='process'][callee.property.name='exit']",
          message: "Only src/cli may exit; the library throws typed errors.",
        },
      ],
    },
  },
  { files: ["src/cli/**", "scripts/**", "bench/**", "test/**"], rules: { "no-restricted-syntax": "off" } },
);
