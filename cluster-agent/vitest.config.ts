import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'cluster-agent',
    restoreMocks: true,
    testTimeout: 30000,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
