import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'model-fake',
    restoreMocks: true,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    // The codex CLI test starts a real agent; it needs more than a unit test.
    testTimeout: 60000,
  },
});
