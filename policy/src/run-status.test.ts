import { describe, expect, it } from 'vitest';
import {
  HELD_STATUSES,
  isActiveStatus,
  isHeldStatus,
  isNonTerminalStatus,
  isTerminalStatus,
  NON_TERMINAL_STATUSES,
  RUN_STATUSES,
  SLOT_STATUSES,
  TERMINAL_STATUSES,
  WAIT_STATUSES,
} from './run-status.ts';

describe('run status sets', () => {
  it('splits every status into exactly one of non-terminal and terminal', () => {
    expect([...NON_TERMINAL_STATUSES, ...TERMINAL_STATUSES].sort()).toEqual([...RUN_STATUSES].sort());
    for (const status of RUN_STATUSES) {
      expect(isNonTerminalStatus(status)).toBe(!isTerminalStatus(status));
      expect(isActiveStatus(status)).toBe(isNonTerminalStatus(status));
    }
  });

  it('counts every wait as active and held, so nothing treats a waiting run as finished', () => {
    for (const status of WAIT_STATUSES) {
      expect(isActiveStatus(status)).toBe(true);
      expect(isHeldStatus(status)).toBe(true);
    }
    expect(HELD_STATUSES).toEqual(['running', 'waiting_mcp', 'waiting_backpressure', 'waiting_owner_review']);
  });

  it('frees the slot of a run in owner review only', () => {
    expect(HELD_STATUSES.filter((status) => !(SLOT_STATUSES as readonly string[]).includes(status))).toEqual(['waiting_owner_review']);
  });
});
