// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import type { FetchLike } from './api.ts';
import { messagesOf, StaffApiError, staffRequest, toStaffApiError } from './staff-request.ts';

function answer(status: number, body: unknown): { fetch: FetchLike; calls: { url: string; init: RequestInit | undefined }[] } {
  const calls: { url: string; init: RequestInit | undefined }[] = [];
  return {
    calls,
    fetch: (url, init) => {
      calls.push({ url, init });
      const text = body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body);
      return Promise.resolve(new Response(text, { status }));
    },
  };
}

describe('staffRequest', () => {
  it('sends JSON with the method and same-origin credentials and returns the body', async () => {
    const server = answer(201, { id: 'prod' });
    await expect(staffRequest(server.fetch, 'POST', '/api/v1/staff/clusters', { body: { id: 'prod' } })).resolves.toEqual({ id: 'prod' });
    const init = server.calls[0]?.init;
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(init?.body).toBe('{"id":"prod"}');
    expect(init?.headers).toEqual({ accept: 'application/json', 'content-type': 'application/json' });
  });

  it('sends no body and no content type without one, and answers null for 204', async () => {
    const server = answer(204, undefined);
    await expect(staffRequest(server.fetch, 'DELETE', '/x')).resolves.toBeNull();
    expect(server.calls[0]?.init?.body).toBeUndefined();
    expect(server.calls[0]?.init?.headers).toEqual({ accept: 'application/json' });
  });

  it('throws the envelope with its field', async () => {
    const server = answer(400, { error: { code: 'invalid_argument', message: 'at most 1000 buckets', field: 'bucket_minutes' } });
    const failure = staffRequest(server.fetch, 'GET', '/x');
    await expect(failure).rejects.toBeInstanceOf(StaffApiError);
    await expect(failure).rejects.toMatchObject({ status: 400, code: 'invalid_argument', field: 'bucket_minutes', errors: [] });
  });

  it('keeps every refusal a settings 400 lists', async () => {
    const body = {
      error: { code: 'invalid_argument', message: 'agent_settings: unknown setting colour' },
      errors: ['agent_settings: unknown setting colour', 'approval_overrides: row 1: mode must be one of none, delegated, owner, deny'],
    };
    const failure = staffRequest(answer(400, body).fetch, 'PATCH', '/x', { body: {} });
    await expect(failure).rejects.toMatchObject({ errors: body.errors, field: null });
  });

  it('reports a non-JSON failure by its status', async () => {
    await expect(staffRequest(answer(502, '<html>Bad gateway</html>').fetch, 'GET', '/x')).rejects.toMatchObject({
      status: 502,
      code: 'unavailable',
    });
  });
});

describe('toStaffApiError and messagesOf', () => {
  it('drops entries of errors that are not strings', () => {
    const error = toStaffApiError(400, { error: { code: 'invalid_argument', message: 'bad' }, errors: ['one', 2, null, 'two'] });
    expect(error.errors).toEqual(['one', 'two']);
    expect(messagesOf(error)).toEqual(['one', 'two']);
  });

  it('falls back to the one message', () => {
    expect(messagesOf(toStaffApiError(409, { error: { code: 'conflict', message: 'project acme exists' } }))).toEqual(['project acme exists']);
    expect(messagesOf(new Error('offline'))).toEqual(['offline']);
    expect(messagesOf('plain')).toEqual(['plain']);
  });
});
