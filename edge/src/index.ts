import { createApp } from './app.ts';

export { AgentHub } from './do/agent-hub.ts';
export { Channel } from './do/channel.ts';

export default createApp();
