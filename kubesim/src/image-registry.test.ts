import { describe, expect, it } from 'vitest';
import { normalizeImage, pullImage } from './image-registry.ts';

describe('pullImage', () => {
  it.each([
    ['node:22', 'ok'],
    ['ghcr.io/stageline/runner:latest', 'ok'],
    ['localhost:5000/a/b:1.0', 'ok'],
    [`busybox@sha256:${'a'.repeat(64)}`, 'ok'],
    ['ghcr.io/stageline/runner:missing', 'missing'],
    ['Acme/Runner', 'invalid'],
    ['runner:', 'invalid'],
    ['', 'invalid'],
  ])('%j is %s', (image, kind) => {
    expect(pullImage(image).kind).toBe(kind);
  });

  it('words a missing image as containerd does, with the normalised reference', () => {
    expect(pullImage('runner:missing')).toEqual({
      kind: 'missing',
      message:
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/runner:missing": failed to resolve reference "docker.io/library/runner:missing": docker.io/library/runner:missing: not found',
    });
  });

  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['acme/app:1', 'docker.io/acme/app:1'],
    ['ghcr.io/a/b:1', 'ghcr.io/a/b:1'],
    ['localhost/a', 'localhost/a'],
  ])('normalizes %j to %j', (image, want) => {
    expect(normalizeImage(image)).toBe(want);
  });
});
