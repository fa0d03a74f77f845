// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { isSafeMethod, readCsrfToken } from './csrf-token.ts';

afterEach(() => {
  document.cookie = 'stageline_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
});

describe('readCsrfToken', () => {
  it('reads the stageline_csrf cookie among others', () => {
    expect(readCsrfToken('theme=dark; stageline_csrf=abc-123_XYZ; other=1')).toBe('abc-123_XYZ');
    expect(readCsrfToken('stageline_csrf=first')).toBe('first');
  });

  it('reads it from document.cookie as the page sees it', () => {
    document.cookie = 'stageline_csrf=tok3n; path=/';
    document.cookie = 'unrelated=1; path=/';
    expect(readCsrfToken(document.cookie)).toBe('tok3n');
  });

  it('decodes a percent-encoded value and strips quotes', () => {
    expect(readCsrfToken('stageline_csrf=a%2Bb%3D')).toBe('a+b=');
    expect(readCsrfToken('stageline_csrf="quoted"')).toBe('quoted');
    expect(readCsrfToken('stageline_csrf=100%')).toBe('100%');
  });

  it('is null without the cookie, with an empty one, or for a look-alike name', () => {
    expect(readCsrfToken('')).toBeNull();
    expect(readCsrfToken('stageline_csrf=')).toBeNull();
    expect(readCsrfToken('x_stageline_csrf=nope; stageline_csrf_old=nope')).toBeNull();
  });
});

describe('isSafeMethod', () => {
  it('treats GET, HEAD, OPTIONS (any case, or none) as safe and the rest as state-changing', () => {
    expect([undefined, 'GET', 'get', 'HEAD', 'OPTIONS'].every((method) => isSafeMethod(method))).toBe(true);
    expect(['POST', 'post', 'PUT', 'PATCH', 'DELETE'].some((method) => isSafeMethod(method))).toBe(false);
  });
});
