/**
 * Builds the console into `dist/`, which the edge Worker serves as static
 * assets on the same origin. In development the vite server proxies `/api`
 * (HTTP and the realtime WebSocket) and the sign-in paths under `/auth` to
 * `wrangler dev`, so the session cookies stay on the page's origin.
 */
import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const edge = process.env.STAGELINE_EDGE_URL ?? 'http://127.0.0.1:8787';

export default defineConfig({
  plugins: [solid()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2023' },
  server: {
    proxy: {
      '/api': { target: edge, changeOrigin: false, ws: true },
      '/auth': { target: edge, changeOrigin: false },
    },
  },
});
