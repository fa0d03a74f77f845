import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'github-fake',
    restoreMocks: true,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    testTimeout: 20000,
  },
});
