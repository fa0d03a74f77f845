import { describe, expect, it } from 'vitest';
import { describeSignInError, readSignInError, toSignInUrl } from './sign-in.ts';

describe('toSignInUrl', () => {
  it('asks the edge to come back to the page', () => {
    expect(toSignInUrl('/inbox?x=1')).toBe('/auth/github/login?return_to=%2Finbox%3Fx%3D1');
    expect(toSignInUrl('/')).toBe('/auth/github/login?return_to=%2F');
  });

  it('never asks to return off the origin', () => {
    expect(toSignInUrl('//evil.example/')).toBe('/auth/github/login?return_to=%2F');
    expect(toSignInUrl('https://evil.example/')).toBe('/auth/github/login?return_to=%2F');
  });
});

describe('readSignInError', () => {
  it('splits the error from the rest of the address', () => {
    expect(readSignInError({ pathname: '/', search: '?signin_error=access_denied', hash: '' })).toEqual({
      error: 'access_denied',
      path: '/',
    });
    expect(readSignInError({ pathname: '/runs', search: '?a=1&signin_error=x', hash: '#top' })).toEqual({
      error: 'x',
      path: '/runs?a=1#top',
    });
    expect(readSignInError({ pathname: '/inbox', search: '', hash: '' })).toEqual({ error: null, path: '/inbox' });
  });

  it('describes a cancel in words', () => {
    expect(describeSignInError('access_denied')).toBe('Sign-in was cancelled on GitHub.');
    expect(describeSignInError('unknown')).toContain('unknown');
  });
});
