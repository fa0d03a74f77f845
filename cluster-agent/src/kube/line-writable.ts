/**
 * A Writable that turns a byte stream (a pod log) into lines: UTF-8 decoded
 * across chunk boundaries, '\r\n' and '\n' both end a line, and a last line
 * without a newline is delivered when the stream ends.
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

export function createLineWritable(onLine: (line: string) => void): Writable {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const emit = (text: string): void => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      onLine(part.endsWith('\r') ? part.slice(0, -1) : part);
    }
  };
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      emit(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      callback();
    },
    final(callback) {
      emit(decoder.end());
      if (partial !== '') {
        onLine(partial.endsWith('\r') ? partial.slice(0, -1) : partial);
        partial = '';
      }
      callback();
    },
  });
}
