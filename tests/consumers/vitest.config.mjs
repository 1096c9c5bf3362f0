// Vitest runs only the Vite-facing consumer tests; tests/js and the other consumer tests are
// node:test files (scripts/test.mjs runs them with node --test).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ['vite.test.mjs'],
    testTimeout: 120000,
    hookTimeout: 120000,
    fileParallelism: false,
  },
});
