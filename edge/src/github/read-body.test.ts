import { describe, expect, it } from 'vitest';
import { readBodyCapped } from './read-body.ts';

const post = (body: BodyInit, headers: Record<string, string> = {}) => new Request('https://edge.test/github/webhook', { method: 'POST', body, headers });

function streamOf(...chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) {
        controller.enqueue(encoder.encode(c));
      }
      controller.close();
    },
  });
}

describe('readBodyCapped', () => {
  it('gives the text and the very bytes received, with a Content-Length', async () => {
    const text = '{"title":"grüße"}';
    const result = await readBodyCapped(post(text), 1024);
    expect(result).toEqual({ kind: 'ok', text, bytes: new TextEncoder().encode(text) });
  });

  it('gives the same for a body streamed without a Content-Length', async () => {
    const result = await readBodyCapped(post(streamOf('{"a":', '1}')), 1024);
    expect(result).toEqual({ kind: 'ok', text: '{"a":1}', bytes: new TextEncoder().encode('{"a":1}') });
  });

  it('refuses a body over the cap whether declared or streamed', async () => {
    expect(await readBodyCapped(post('x'.repeat(100)), 10)).toEqual({ kind: 'too_large' });
    expect(await readBodyCapped(post(streamOf('x'.repeat(6), 'x'.repeat(6))), 10)).toEqual({ kind: 'too_large' });
  });

  it('keeps a leading byte-order mark in the text, so JSON.parse refuses it', async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]);
    const result = await readBodyCapped(post(bytes), 1024);
    expect(result).toEqual({ kind: 'ok', text: '\uFEFF{}', bytes });
  });

  it('reports bytes that are not UTF-8', async () => {
    expect(await readBodyCapped(post(new Uint8Array([0x7b, 0xff, 0x7d])), 1024)).toEqual({ kind: 'not_utf8', bytes: new Uint8Array([0x7b, 0xff, 0x7d]) });
  });
});
