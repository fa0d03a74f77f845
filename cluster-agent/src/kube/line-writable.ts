/**
 * A Writable that turns a byte stream (a pod log) into lines: UTF-8 decoded
 * across chunk boundaries, '\r\n' and '\n' both end a line, and a last line
 * without a newline is delivered when the stream ends.
 *
 * A line longer than `maxLineChars` is cut to that length (the protocol keeps
 * no more of a line, log-batcher.ts MAX_LINE_CHARS); the rest is dropped as it
 * arrives, so a container writing without newlines cannot grow the buffer.
 */
import { StringDecoder } from 'node:string_decoder';
import { Writable } from 'node:stream';

/** The protocol's per-line limit (protocol/src/frames.ts). */
const DEFAULT_MAX_LINE_CHARS = 16 * 1024;

export function createLineWritable(onLine: (line: string) => void, maxLineChars = DEFAULT_MAX_LINE_CHARS): Writable {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  const deliver = (line: string): void => {
    const cut = line.length > maxLineChars ? line.slice(0, maxLineChars) : line;
    onLine(cut.endsWith('\r') && cut.length === line.length ? cut.slice(0, -1) : cut);
  };
  const emit = (text: string): void => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    // One char over the cap: a cut line must still look too long, so deliver() does not take a '\r' at the cap for its ending.
    if (partial.length > maxLineChars + 1) {
      partial = partial.slice(0, maxLineChars + 1);
    }
    for (const part of parts) {
      deliver(part);
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
        deliver(partial);
        partial = '';
      }
      callback();
    },
  });
}
