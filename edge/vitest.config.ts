import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

// The Worker runs inside workerd; globalSetup (Node) starts Postgres 15 (or
// PGlite with TEST_DB=pglite) behind the Neon-style ws proxy and provides URLs.
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: '../wrangler.toml' },
      miniflare: {
        bindings: {
          WS_PROXY: inject('wsProxy'),
          DATABASE_URL: inject('databaseUrl'),
          GITHUB_WEBHOOK_SECRET: inject('webhookSecret'),
          STAGELINE_MCP_TOKEN_SIGNING_KEY: 'test-run-token-signing-key-0123456789abcdef',
          STAGELINE_DATA_ENCRYPTION_KEY: 'test-data-encryption-key-0123456789abcdef',
          STAGELINE_SECRET_SYNC_KEY: 'test-secret-sync-key-0123456789abcdef-xyz',
          STAGELINE_SESSION_SIGNING_KEY: 'test-session-signing-key-0123456789abcdef',
          // Staff sign-in against the fake GitHub's OAuth web flow (same origin as its API).
          GITHUB_WEB_URL: inject('githubApiUrl'),
          GITHUB_APP_CLIENT_ID: 'Iv1.fake0000000000',
          GITHUB_APP_CLIENT_SECRET: 'fake-client-secret',
          STAGELINE_PLATFORM_ADMINS: 'root-admin',
          TEST_CLUSTER_TOKEN: inject('clusterToken'),
          TEST_CLUSTER_ID: inject('clusterId'),
          TEST_REPO_EXTERNAL_ID: inject('repoExternalId'),
          TEST_DATABASE_KIND: inject('databaseKind'),
          GITHUB_API_URL: inject('githubApiUrl'),
          GITHUB_APP_ID: inject('githubAppId'),
          GITHUB_APP_PRIVATE_KEY: inject('githubAppPrivateKey'),
          TEST_GITHUB_APP_PRIVATE_KEY_PKCS8: inject('githubAppPrivateKeyPkcs8'),
          TEST_WEBHOOK_EXAMPLES: inject('webhookExamples'),
          TELEGRAM_API_URL: inject('telegramApiUrl'),
          TELEGRAM_BOT_TOKEN: inject('telegramToken'),
          TELEGRAM_BOT_USERNAME: 'stageline_test_bot',
          STAGELINE_TELEGRAM_WEBHOOK_SECRET: 'telegram-webhook-secret_0123',
          // /setup answers only while this is set (routes/setup.ts).
          STAGELINE_SETUP_TOKEN: 'test-setup-token',
        },
      },
    })),
  ],
  test: {
    name: 'edge',
    globalSetup: ['./test/global-setup.ts'],
    restoreMocks: true,
    testTimeout: 20000,
    // Effects run after a response (waitUntil) and log from workerd: with vitest's console
    // interception such a line can arrive as a test file closes, which vitest reports as an
    // unhandled EnvironmentTeardownError although every test passed. Written straight to the
    // output, the lines stay and the teardown has nothing pending.
    disableConsoleIntercept: true,
    reporters: ['default', ['json', { outputFile: 'test-results.json' }]],
  },
});
