import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/global-setup.ts"],
    // Integration tests build the real kit and print real PDFs.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Two cores: builds in parallel files would only fight over them.
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: "output/test-results.json" },
  },
});
