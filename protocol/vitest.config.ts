import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { name: 'protocol', restoreMocks: true, reporters: ['default', ['json', { outputFile: 'test-results.json' }]] } });
