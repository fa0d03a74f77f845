/** The signed-in person (user access token from the OAuth web flow). */
import { renderPrivateUser } from '../render-user.ts';
import type { OperationHandler } from './handler.ts';
import { userOf } from './handler.ts';

export const getAuthenticatedUser: OperationHandler = {
  auth: 'user',
  handle(ctx) {
    return { status: 200, body: renderPrivateUser(ctx.api, userOf(ctx)) };
  },
};
