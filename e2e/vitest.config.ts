import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'e2e',
    restoreMocks: true,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
