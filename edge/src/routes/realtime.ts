import { Hono } from 'hono';
import { channelOf } from '../composition/durable-objects.ts';
import { parseLastEventId } from '../do/channel-state.ts';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

/** Console WebSocket (docs/domain.md §8.4), handed to the scope's Channel object. */
export const realtime = new Hono<AppEnv>().get('/api/v1/realtime', async (c) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    return c.json(errorBody('invalid_argument', 'expected a WebSocket upgrade'), 426);
  }
  if (parseLastEventId(c.req.query('last_event_id') ?? null) === null) {
    return c.json(errorBody('invalid_argument', 'last_event_id must be a non-negative integer', 'last_event_id'), 400);
  }
  return channelOf(c.env).fetch(c.req.raw);
});
