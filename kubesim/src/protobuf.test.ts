import { describe, expect, it } from 'vitest';
import type { ApiError } from './http-status.ts';
import { decodeProtobufObject } from './protobuf.ts';

// A minimal encoder for the test's messages: varint and length-delimited fields.
const varint = (n: number): number[] => {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const bytesField = (no: number, value: Buffer | string): Buffer => {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.from([...varint((no << 3) | 2), ...varint(b.length), ...b]);
};
const varintField = (no: number, value: number): Buffer => Buffer.from([...varint(no << 3), ...varint(value)]);
const msg = (...fields: Buffer[]): Buffer => Buffer.concat(fields);
const entry = (no: number, key: string, value: Buffer | string): Buffer => bytesField(no, msg(bytesField(1, key), bytesField(2, value)));
const envelope = (apiVersion: string, kind: string, raw: Buffer): Buffer =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), bytesField(1, msg(bytesField(1, apiVersion), bytesField(2, kind))), bytesField(2, raw)]);

const refusal = (body: Buffer): ApiError => {
  try {
    decodeProtobufObject(body);
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('decoded');
};

describe('decodeProtobufObject', () => {
  it('decodes the namespace kubectl 1.33 sends, with its empty server-set fields dropped', () => {
    // Captured from `kubectl create namespace stageline` (kubectl 1.33).
    const captured = Buffer.from('k8s\0\n\x0f\n\x02v1\x12\tNamespace\x12!\n\x19\n\tstageline\x12\x00\x1a\x00"\x00*\x002\x008\x00B\x00\x12\x00\x1a\x02\n\x00\x1a\x00"\x00', 'latin1');
    expect(decodeProtobufObject(captured)).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stageline' } });
  });

  it('decodes a Secret: labels, annotations, binary data as base64, type, immutable', () => {
    const meta = msg(bytesField(1, 'sh.helm.release.v1.app.v1'), bytesField(3, 'apps'), entry(11, 'owner', 'helm'), entry(11, 'status', 'deployed'), entry(12, 'note', 'x'));
    const secret = msg(bytesField(1, meta), entry(2, 'release', Buffer.from([0, 255, 10])), bytesField(3, 'helm.sh/release.v1'), varintField(5, 1));
    expect(decodeProtobufObject(envelope('v1', 'Secret', secret))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sh.helm.release.v1.app.v1', namespace: 'apps', labels: { owner: 'helm', status: 'deployed' }, annotations: { note: 'x' } },
      data: { release: Buffer.from([0, 255, 10]).toString('base64') },
      type: 'helm.sh/release.v1',
      immutable: true,
    });
  });

  it('decodes DeleteOptions', () => {
    const options = msg(varintField(1, 30), bytesField(4, 'Foreground'), bytesField(5, 'All'));
    expect(decodeProtobufObject(envelope('meta.k8s.io/v1', 'DeleteOptions', options))).toEqual({ apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 30, propagationPolicy: 'Foreground', dryRun: ['All'] });
  });

  it('refuses (415) other kinds, a field it does not decode, a missing magic and a truncated body, instead of losing data', () => {
    const pod = envelope('v1', 'Pod', msg(bytesField(1, msg(bytesField(1, 'p')))));
    expect(refusal(pod).status).toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
    expect(refusal(pod).message).toContain('got v1 Pod');
    // ownerReferences (ObjectMeta 13) would be dropped silently: refused.
    const owned = envelope('v1', 'Secret', msg(bytesField(1, msg(bytesField(1, 's'), bytesField(13, msg(bytesField(1, 'x')))))));
    expect(refusal(owned).message).toContain('ObjectMeta field 13');
    expect(refusal(Buffer.from('{"kind":"Secret"}')).status.code).toBe(415);
    const whole = envelope('v1', 'Secret', msg(bytesField(1, msg(bytesField(1, 'abc')))));
    expect(refusal(whole.subarray(0, whole.length - 2)).status.code).toBe(415);
  });
});
