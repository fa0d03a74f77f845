import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'runner',
    testTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
