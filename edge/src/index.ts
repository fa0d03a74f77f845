import { createApp } from './app.ts';
import { handleScheduled } from './scheduled.ts';

export { AgentHub } from './do/agent-hub.ts';
export { Channel } from './do/channel.ts';
export { GitHubOutbox } from './do/github-outbox.ts';
export { WebhookInbox } from './do/webhook-inbox.ts';

const app = createApp();

export default {
  fetch: app.fetch,
  // The GitHub reconciler (wrangler.toml [triggers] crons).
  scheduled: handleScheduled,
} satisfies ExportedHandler<Env>;
