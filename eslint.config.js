import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// Remix's unstable_ APIs change or vanish between minors and block the move to React Router 7
// (decision 019): none is imported.
const NO_UNSTABLE_API = { selector: "ImportSpecifier[imported.name=/^unstable_/]", message: "No unstable_ framework API (decision 019)." };

// Layers import downward only: scripts/ → app/ → db/ → domain/ (decision 001, "Layering").
// A relative path climbing into app/ or scripts/, or the ~/ alias (app/), from db/ is refused.
const DB_UPWARD = /^(?:(?:\.\.\/)+(?:app|scripts)(?:\/|$)|~(?:\/|$))/.source;
// domain/ is pure and browser-safe (routes import it): zod and other domain/ modules, nothing else
// (not app/, db/ or scripts/, and no Node built-in or server-only package).
const DOMAIN_FOREIGN = /^(?!(?:zod|\.\/[\w-][\w.-]*(?:\/[\w-][\w.-]*)*)$)/.source;

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
      "no-restricted-syntax": ["error", NO_UNSTABLE_API],
    },
  },
  {
    files: ["db/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: DB_UPWARD, message: "db/ must not import app/ or scripts/: move the shared pure piece to domain/, or the caller up to scripts/." }] },
      ],
      "no-restricted-syntax": [
        "error",
        NO_UNSTABLE_API,
        { selector: `ImportExpression[source.value=/${DB_UPWARD}/]`, message: "db/ must not import app/ or scripts/ (not even lazily)." },
      ],
    },
  },
  {
    files: ["domain/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: DOMAIN_FOREIGN, message: "domain/ is pure and browser-safe: it imports only zod and other domain/ modules (never app/, db/, scripts/ or Node)." }] },
      ],
      "no-restricted-syntax": [
        "error",
        NO_UNSTABLE_API,
        { selector: "ImportExpression", message: "domain/ is pure: no dynamic imports." },
      ],
    },
  },
  {
    // Migrations are frozen in time: typed against no schema (Kysely<any>) on purpose.
    files: ["db/migrations/**", "db/migrate.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
