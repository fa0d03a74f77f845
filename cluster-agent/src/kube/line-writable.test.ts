import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { createLineWritable } from './line-writable.ts';

describe('createLineWritable', () => {
  it('splits chunks into lines across boundaries, including multi-byte characters', async () => {
    const lines: string[] = [];
    const euro = Buffer.from('€');
    const parts = [Buffer.from('one\r\ntw'), Buffer.from('o\nth'), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('ree\n\nlast')])];
    await pipeline(Readable.from(parts), createLineWritable((line) => lines.push(line)));
    expect(lines).toEqual(['one', 'two', 'th€ree', '', 'last']);
  });

  it('keeps at most one capped line buffered when a container writes without newlines', async () => {
    const lines: string[] = [];
    const sink = createLineWritable((line) => lines.push(line), 10);
    const chunks = Array.from({ length: 1000 }, () => Buffer.from('x'.repeat(1000)));
    await pipeline(Readable.from([...chunks, Buffer.from('\r\nshort\r\n123456789\r\n'), Buffer.from('0123456789\r')]), sink);
    expect(lines).toEqual(['x'.repeat(10), 'short', '123456789', '0123456789']);
  });
});
