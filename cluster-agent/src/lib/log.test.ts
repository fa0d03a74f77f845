import { describe, expect, it } from 'vitest';
import { createLogger, withMutableContext } from './log.ts';

const capture = (level: 'debug' | 'info' | 'warn' | 'error' = 'info') => {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger({ level, now: () => new Date('2026-11-22T10:00:00Z'), write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { lines, log };
};

describe('createLogger', () => {
  it('writes one JSON object per line with child fields', () => {
    const { lines, log } = capture();
    log.with({ component: 'edge' }).with({ runId: 'r1' }).info('connected', { attempt: 2 });
    expect(lines).toEqual([{ ts: '2026-11-22T10:00:00.000Z', level: 'info', msg: 'connected', component: 'edge', runId: 'r1', attempt: 2 }]);
  });

  it('filters below the level', () => {
    const { lines, log } = capture('warn');
    log.debug('a');
    log.info('b');
    log.warn('c');
    log.error('d');
    expect(lines.map((l) => l.msg)).toEqual(['c', 'd']);
  });

  it('redacts credential-looking fields and serialises errors', () => {
    const { lines, log } = capture();
    log.error('boom', { clusterToken: 'abc', Authorization: 'Bearer abc', error: new Error('bad', { cause: new Error('root') }) });
    expect(lines[0]).toMatchObject({
      clusterToken: '[redacted]',
      Authorization: '[redacted]',
      error: { name: 'Error', message: 'bad', cause: { message: 'root' } },
    });
    expect(JSON.stringify(lines)).not.toContain('abc');
  });

  it('survives unserialisable fields', () => {
    const { lines, log } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.info('odd', { cyclic });
    expect(lines[0]).toMatchObject({ msg: 'odd', level: 'info' });
  });
});

describe('withMutableContext', () => {
  it('adds context set later to existing children', () => {
    const { lines, log } = capture();
    const root = withMutableContext(log);
    const child = root.with({ component: 'dispatcher' });
    child.info('before');
    root.setContext({ clusterId: 'c1' });
    child.info('after');
    expect(lines).toEqual([
      expect.not.objectContaining({ clusterId: 'c1' }),
      expect.objectContaining({ msg: 'after', clusterId: 'c1', component: 'dispatcher' }),
    ]);
  });
});
