import { describe, expect, it } from 'vitest';
import { createHeartbeatLedger } from './heartbeat-ledger.ts';

const a = '3f2a9b1c-0000-4000-8000-00000000000a';
const b = '3f2a9b1c-0000-4000-8000-00000000000b';

describe('heartbeat ledger', () => {
  it('maps lost run ids back to the epochs that heartbeat carried, once', () => {
    const ledger = createHeartbeatLedger();
    ledger.remember('h1', [
      { runId: a, epoch: 2 },
      { runId: b, epoch: 5 },
    ]);
    expect(ledger.lost('h1', [b, 'not-sent'])).toEqual([{ runId: b, epoch: 5 }]);
    expect(ledger.lost('h1', [b])).toEqual([]);
  });

  it('forgets old heartbeats: a late answer to one of them stops nothing', () => {
    const ledger = createHeartbeatLedger();
    for (let i = 0; i < 20; i += 1) {
      ledger.remember(`h${i}`, [{ runId: a, epoch: i }]);
    }
    expect(ledger.lost('h0', [a])).toEqual([]);
    expect(ledger.lost('h19', [a])).toEqual([{ runId: a, epoch: 19 }]);
  });
});
