/**
 * The staff API's Hono app (@hono/zod-openapi): request validation failures
 * answer in the one error shape (docs/domain.md §8.1), and the routes add
 * themselves to the OpenAPI description served at `/api/v1/openapi.json`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from '../env.ts';
import { errorBody } from '../lib/http-error.ts';

export function staffRoutes(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const issue = result.error.issues[0];
        const field = issue?.path.join('.') ?? '';
        return c.json(errorBody('invalid_argument', issue === undefined ? 'invalid input' : `${field || 'input'}: ${issue.message}`, field || undefined), 400);
      }
      return undefined;
    },
  });
}

/** Every staff operation is called with the session cookie; state-changing ones also with `X-CSRF-Token`. */
export const SESSION_SECURITY = [{ session: [] }];

/** A body over `maxBytes` is refused with 413 before anything parses it. */
export function limitBody(maxBytes: number) {
  return bodyLimit({ maxSize: maxBytes, onError: (c) => c.json(errorBody('payload_too_large', `body is limited to ${maxBytes} bytes`), 413) });
}
