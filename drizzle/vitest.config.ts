import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'db', restoreMocks: true, testTimeout: 60_000, hookTimeout: 60_000, reporters: ['default', ['json', { outputFile: 'test-results.json' }]] },
});
