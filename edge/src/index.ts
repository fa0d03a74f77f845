import { createApp } from './app.ts';

export { AgentHub } from './do/agent-hub.ts';
export { Channel } from './do/channel.ts';
export { GitHubOutbox } from './do/github-outbox.ts';
export { WebhookInbox } from './do/webhook-inbox.ts';

export default createApp();
