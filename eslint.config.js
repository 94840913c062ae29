// Type-aware lint: the rule that matters most here is no-floating-promises, because an
// un-awaited executeTest() or verifyProvider() passes while asserting nothing.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "contracts/", "bench/results/", ".tmp/", "eslint.config.js"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["**/*.test.ts"],
    rules: {
      // chai's property assertions (expect(x).to.be.true) are expressions by design.
      "@typescript-eslint/no-unused-expressions": "off",
    },
  },
);
