import { describe, expect, it } from 'vitest';
import { ApiError } from './http-status.ts';
import { applyJsonPatch, applyMergePatch, toPatchType } from './patch.ts';

describe('applyMergePatch (RFC 7386)', () => {
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 'b' }, ['c'], ['c']],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });
});

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { metadata: { labels: { a: '1' } }, items: ['x', 'y'] };

  it.each([
    [[{ op: 'add', path: '/metadata/labels/b', value: '2' }], { metadata: { labels: { a: '1', b: '2' } }, items: ['x', 'y'] }],
    [[{ op: 'remove', path: '/metadata/labels/a' }], { metadata: { labels: {} }, items: ['x', 'y'] }],
    [[{ op: 'replace', path: '/items/0', value: 'z' }], { metadata: { labels: { a: '1' } }, items: ['z', 'y'] }],
    [[{ op: 'add', path: '/items/-', value: 'w' }], { metadata: { labels: { a: '1' } }, items: ['x', 'y', 'w'] }],
    [[{ op: 'move', from: '/items/0', path: '/first' }], { metadata: { labels: { a: '1' } }, items: ['y'], first: 'x' }],
    [[{ op: 'copy', from: '/metadata/labels', path: '/copied' }], { metadata: { labels: { a: '1' } }, items: ['x', 'y'], copied: { a: '1' } }],
    [[{ op: 'test', path: '/items/1', value: 'y' }], doc],
  ])('%j', (ops, expected) => {
    expect(applyJsonPatch(doc, ops)).toEqual(expected);
  });

  it.each([
    [[{ op: 'test', path: '/items/1', value: 'nope' }], 422],
    [[{ op: 'remove', path: '/metadata/missing' }], 422],
    [[{ op: 'replace', path: '/nope/deeper', value: 1 }], 422],
    [{ op: 'add' }, 400],
  ])('fails %j with %i', (ops, code) => {
    try {
      applyJsonPatch(doc, ops);
      expect.unreachable('patch should fail');
    } catch (err) {
      expect(err instanceof ApiError && err.status.code).toBe(code);
    }
  });

  it('leaves the input untouched', () => {
    applyJsonPatch(doc, [{ op: 'add', path: '/metadata/labels/b', value: '2' }]);
    expect(doc.metadata.labels).toEqual({ a: '1' });
  });
});

describe('toPatchType', () => {
  it.each([
    ['application/json-patch+json', 'json'],
    ['application/merge-patch+json; charset=utf-8', 'merge'],
    ['application/strategic-merge-patch+json', 'strategic'],
    ['application/apply-patch+yaml', 'apply'],
  ])('%s → %s', (contentType, type) => {
    expect(toPatchType(contentType)).toBe(type);
  });

  it('rejects other media types with 415', () => {
    expect(() => toPatchType('text/plain')).toThrow(/unknown format/);
  });
});
