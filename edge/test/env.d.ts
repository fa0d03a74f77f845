declare namespace Cloudflare {
  interface Env {
    TEST_CLUSTER_TOKEN: string;
    TEST_CLUSTER_ID: string;
    TEST_REPO_EXTERNAL_ID: number;
    TEST_DATABASE_KIND: 'postgres' | 'pglite';
    TEST_GITHUB_APP_PRIVATE_KEY_PKCS8: string;
    /** Real @octokit/webhooks-examples payloads adapted to the seeded repository, by `event.action`. */
    TEST_WEBHOOK_EXAMPLES: Record<string, Record<string, unknown>>;
  }
}
