// @vitest-environment happy-dom
import { createRoot } from 'solid-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createNavigation, toScreen } from './navigation.ts';

afterEach(() => {
  window.history.replaceState(null, '', '/');
});

describe('toScreen', () => {
  it('maps / and /runs to the runs, /inbox to the inbox, the rest to not found', () => {
    expect(['/', '/runs', '/runs/', '/inbox', '/inbox/', '/elsewhere', '/runs/abc'].map(toScreen)).toEqual([
      'runs',
      'runs',
      'runs',
      'inbox',
      'inbox',
      'not_found',
      'not_found',
    ]);
  });
});

describe('createNavigation', () => {
  it('pushes the path into the history and follows back/forward', () => {
    createRoot((dispose) => {
      window.history.replaceState(null, '', '/runs');
      const navigation = createNavigation(window);
      expect(navigation.screen()).toBe('runs');
      const before = window.history.length;
      navigation.navigate('/inbox');
      expect(window.location.pathname).toBe('/inbox');
      expect(window.history.length).toBe(before + 1);
      expect(navigation.screen()).toBe('inbox');

      window.history.replaceState(null, '', '/runs');
      window.dispatchEvent(new PopStateEvent('popstate'));
      expect(navigation.screen()).toBe('runs');
      navigation.dispose();
      dispose();
    });
  });
});
