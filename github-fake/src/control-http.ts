/**
 * The control surface over HTTP, for tests that can only fetch (the edge's
 * suite runs inside workerd): `POST /_fake/<method>` with the method's single
 * argument as the JSON body, answered 200 with its JSON result (`null` for
 * none; a promise is awaited). Readers without an argument also answer GET.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FakeGitHubControl } from './control.ts';
import { sendJson } from './http-io.ts';

export function createControlHttp(control: FakeGitHubControl): (req: IncomingMessage, res: ServerResponse, url: URL, bodyText: string) => Promise<void> {
  const methods = new Map<string, (input: unknown) => unknown>(
    Object.entries(control).map(([name, fn]) => [name, fn as (input: unknown) => unknown]),
  );
  return async (req, res, url, bodyText) => {
    const name = url.pathname.slice('/_fake/'.length);
    const fn = methods.get(name);
    if (fn === undefined || (req.method !== 'POST' && req.method !== 'GET')) {
      sendJson(res, 404, { error: `unknown control method ${req.method ?? ''} ${name}`, methods: [...methods.keys()] });
      return;
    }
    let input: unknown;
    try {
      input = bodyText.trim() === '' ? undefined : JSON.parse(bodyText);
    } catch (err) {
      sendJson(res, 400, { error: `control body is not JSON: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    try {
      // Methods that read or write git repositories answer with a promise.
      sendJson(res, 200, (await fn(input)) ?? null);
    } catch (err) {
      sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}
