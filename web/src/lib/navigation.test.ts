import { describe, expect, it } from 'vitest';
import { isPlainClick, linkState, matchesPath, runDetailPath, toScreenTitle } from './navigation.ts';

const OPS = [
  { path: '/queue', title: 'Queue' },
  { path: '/projects/:slug', title: 'Project' },
];

describe('toScreenTitle', () => {
  it.each([
    ['/', 'Runs'],
    ['/runs', 'Runs'],
    ['/runs/', 'Runs'],
    ['/runs/4f2a91c0-1111-4000-8000-000000000000', 'Run 4f2a91c0'],
    ['/inbox', 'Inbox'],
    ['/inbox/', 'Inbox'],
    ['/jobs', 'Running jobs'],
    ['/jobs/', 'Running jobs'],
    ['/queue', 'Queue'],
    ['/projects/acme', 'Project'],
    ['/elsewhere', 'Not found'],
    ['/runs/abc/logs', 'Not found'],
  ])('%s → %s', (path, title) => {
    expect(toScreenTitle(path, OPS)).toBe(title);
  });
});

describe('linkState', () => {
  it('marks Runs as the page on / and /runs, and as the section on a run', () => {
    expect(linkState('/runs', '/')).toBe('page');
    expect(linkState('/runs', '/runs/')).toBe('page');
    expect(linkState('/runs', runDetailPath('abc'))).toBe('section');
    expect(linkState('/runs', '/inbox')).toBe(false);
  });

  it('marks other screens by their own path', () => {
    expect(linkState('/inbox', '/inbox')).toBe('page');
    expect(linkState('/jobs', '/jobs')).toBe('page');
    expect(linkState('/jobs', '/runs')).toBe(false);
    expect(linkState('/queue', '/queue')).toBe('page');
    expect(linkState('/queue', '/queued')).toBe(false);
    expect(linkState('/projects', '/projects/acme')).toBe('section');
  });
});

describe('matchesPath', () => {
  it('matches parameters, a trailing wildcard and nothing more', () => {
    expect(matchesPath('/runs/:id', '/runs/abc')).toBe(true);
    expect(matchesPath('/runs/:id', '/runs')).toBe(false);
    expect(matchesPath('/runs/:id', '/runs/abc/def')).toBe(false);
    expect(matchesPath('/docs/*', '/docs/a/b')).toBe(true);
  });
});

describe('runDetailPath', () => {
  it('encodes the id', () => {
    expect(runDetailPath('a/b')).toBe('/runs/a%2Fb');
  });
});

describe('isPlainClick', () => {
  it('is a left click without modifiers that nothing handled yet', () => {
    const click = (init: MouseEventInit) => new MouseEvent('click', init);
    expect(isPlainClick(click({ button: 0 }))).toBe(true);
    expect(isPlainClick(click({ button: 1 }))).toBe(false);
    expect(isPlainClick(click({ button: 0, metaKey: true }))).toBe(false);
    expect(isPlainClick(click({ button: 0, ctrlKey: true }))).toBe(false);
  });
});
