/**
 * Two projects:
 * - `web`: unit and component tests beside the sources, in happy-dom, with the
 *   Solid plugin and the `browser` condition (Solid's client build, not its SSR build);
 * - `web:browser`: `test/*.browser.test.ts` in node, which builds the app and drives
 *   Chromium against a fake edge. It must not see the `browser` condition, or `ws`
 *   resolves to its browser stub.
 */
import solid from 'vite-plugin-solid';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'web',
    restoreMocks: true,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
    projects: [
      {
        extends: true,
        plugins: [solid()],
        resolve: { conditions: ['development', 'browser'] },
        test: { name: 'web', environment: 'happy-dom', include: ['src/**/*.test.{ts,tsx}'] },
      },
      {
        extends: true,
        test: { name: 'web:browser', environment: 'node', include: ['test/**/*.test.ts'] },
      },
    ],
  },
});
