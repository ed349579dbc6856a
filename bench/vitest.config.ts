import { defineConfig } from 'vitest/config';

/** `npm run bench`: measurements, not tests (STYLE.md rule 9); each prints a table. */
export default defineConfig({
  test: {
    include: ['bench/**/*.measure.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
