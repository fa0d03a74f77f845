import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'telegram-fake',
    restoreMocks: true,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
