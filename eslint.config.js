import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: [".tmp/**", "build/**", "public/build/**", "node_modules/**", "test/.tmp/**", "test-results/**", "playwright-report/**", ".data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
    },
  },
  {
    // A promise nobody awaits can reject with no one to catch it, and Node ends the process on an
    // unhandled rejection: every promise is awaited, returned, or explicitly handed off with `void`
    // to code that handles its own failure.
    files: ["**/*.ts", "**/*.tsx"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      // Remix's unstable_ APIs change or vanish between minors and block the move to React Router 7
      // (decision 019): none is imported.
      "no-restricted-syntax": [
        "error",
        { selector: "ImportSpecifier[imported.name=/^unstable_/]", message: "No unstable_ framework API (decision 019)." },
      ],
    },
  },
  {
    // Migrations are frozen in time: typed against no schema (Kysely<any>) on purpose.
    files: ["db/migrations/**", "db/migrate.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
