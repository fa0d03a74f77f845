/**
 * `POST /api/v1/staff/telegram/link-codes`: a one-time code that binds a
 * Telegram user to a GitHub login when sent to the bot as `/link <code>`
 * (docs/domain.md §7.6). Valid 15 minutes, stored only as its SHA-256.
 * Codes are issued for the signed-in caller's own login only: binding
 * someone else's Telegram would let one answer in their name.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { base64url } from 'jose';
import { storeLinkCode } from '../db/telegram-repo.ts';
import { sha256Hex } from '../lib/crypto.ts';
import { errorBody } from '../lib/http-error.ts';
import { errors, json } from '../openapi/schemas.ts';
import { limitBody, SESSION_SECURITY, staffRoutes } from '../openapi/staff-app.ts';
import { readTelegramSettings } from '../telegram/outbox.ts';

export const LINK_CODE_TTL_SECONDS = 900;

const issue = createRoute({
  method: 'post',
  path: '/api/v1/staff/telegram/link-codes',
  tags: ['session'],
  summary: 'A one-time code that links the caller\'s Telegram account',
  security: SESSION_SECURITY,
  middleware: [limitBody(1024)] as const,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ github_login: z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/).optional().openapi({ description: 'Must be the caller\'s own login when given' }) }).strict() } },
    },
  },
  responses: {
    201: json(z.object({ code: z.string(), expires_at: z.string(), command: z.string(), deep_link: z.string().nullable() }), 'The code; send `command` to the bot'),
    ...errors(400, 401, 403, 413),
  },
});

export const staffTelegram = staffRoutes().openapi(issue, async (c) => {
  const body = c.req.valid('json');
  const login = c.var.staff.login;
  if (body.github_login !== undefined && body.github_login.toLowerCase() !== login) {
    return c.json(errorBody('forbidden', 'a link code binds your own GitHub login only', 'github_login'), 403);
  }
  const code = base64url.encode(crypto.getRandomValues(new Uint8Array(18)));
  const expiresAt = new Date(Date.now() + LINK_CODE_TTL_SECONDS * 1000);
  await storeLinkCode(c.var.db, { codeHash: await sha256Hex(code), githubLogin: login, expiresAt });
  const bot = readTelegramSettings(c.env)?.botUsername ?? null;
  c.var.log.info('telegram link code issued', { login });
  return c.json({ code, expires_at: expiresAt.toISOString(), command: `/link ${code}`, deep_link: bot === null ? null : `https://t.me/${bot}?start=${code}` }, 201, { 'cache-control': 'no-store' });
});
