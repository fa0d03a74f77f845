import { describe, expect, it } from 'vitest';
import { decodeAgentFrame, decodeEdgeFrame, encodeFrame, isCompatibleVersion } from './codec.ts';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from './frames.ts';

const runId = '3f2a9b1c-0000-4000-8000-000000000001';

describe('decodeAgentFrame', () => {
  it.each([
    { type: 'claim', id: 'f1', limit: 5 },
    { type: 'heartbeat', id: 'f2', runs: [{ runId, epoch: 1 }] },
    { type: 'run.status', id: 'f3', runId, epoch: 2, status: 'succeeded' },
    { type: 'log.append', id: 'f4', runId, epoch: 2, seq: 0, lines: ['hello'] },
    { type: 'runs.query', id: 'f6', runIds: [runId] },
    { type: 'run.status', id: 'f7', runId, epoch: 2, status: 'canceled' },
    { type: 'hello', id: 'f5', protocolVersion: PROTOCOL_VERSION, policyVersion: '1.0.0', instanceId: 'c/a', agentVersion: '0.1.0' },
  ])('round-trips $type', (frame) => {
    const r = decodeAgentFrame(encodeFrame(frame as never));
    expect(r.ok).toBe(true);
    expect(r.ok && r.value).toMatchObject(frame);
  });

  it('defaults observedJobs on hello', () => {
    const r = decodeAgentFrame(JSON.stringify({ type: 'hello', id: 'h', protocolVersion: '1.0.0', policyVersion: '1.0.0', instanceId: 'c/a', agentVersion: 'x' }));
    expect(r.ok && r.value.type === 'hello' && r.value.observedJobs).toEqual([]);
  });

  it.each([
    ['not json', '{nope', 'malformed_frame', undefined],
    ['an array', '[1,2]', 'malformed_frame', undefined],
    ['null', 'null', 'malformed_frame', undefined],
    ['an unknown type', '{"type":"rm -rf","id":"x1"}', 'unknown_frame', 'x1'],
    ['no type', '{"id":"x2"}', 'unknown_frame', 'x2'],
    ['an edge frame sent by an agent', '{"type":"ack","ref":"a","result":"applied"}', 'unknown_frame', undefined],
    ['a bad field', `{"type":"claim","id":"x3","limit":0}`, 'invalid_frame', 'x3'],
    ['a bad run id', `{"type":"run.status","id":"x4","runId":"nope","epoch":1,"status":"succeeded"}`, 'invalid_frame', 'x4'],
    ['an unknown status', `{"type":"run.status","id":"x5","runId":"${runId}","epoch":1,"status":"exploded"}`, 'invalid_frame', 'x5'],
  ])('rejects %s', (_name, text, code, ref) => {
    const r = decodeAgentFrame(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe(code);
    expect(!r.ok && r.error.ref).toBe(ref);
  });

  it.each([
    { type: 'log.append', id: 'f8', runId, epoch: 2, seq: 2 ** 31, lines: ['x'] },
    { type: 'run.status', id: 'f9', runId, epoch: 2 ** 31, status: 'succeeded' },
  ])('rejects numbers a Postgres integer cannot hold ($type)', (frame) => {
    const r = decodeAgentFrame(JSON.stringify(frame));
    expect(r.ok).toBe(false);
  });

  it('rejects frames above the size cap before parsing', () => {
    const big = JSON.stringify({ type: 'claim', id: 'b', limit: 1, pad: 'x'.repeat(MAX_FRAME_BYTES) });
    const r = decodeAgentFrame(big);
    expect(!r.ok && r.error.code).toBe('frame_too_large');
  });
});

describe('decodeEdgeFrame', () => {
  it('decodes a claim result', () => {
    const frame = {
      type: 'claim.result',
      ref: 'f1',
      runs: [
        {
          runId,
          correlationId: 'delivery-1',
          epoch: 1,
          attemptNo: 1,
          projectId: 'p1',
          repositoryFullName: 'acme/app',
          issueNumber: 7,
          triggerKind: 'dev',
          triggerLabel: 'run:dev',
          agentKey: 'dev',
          leaseUntil: '2026-11-22T10:45:00.000Z',
          runToken: 'eyJ.token',
        },
      ],
    };
    // takeover, logSeq, jobName and queuedAt default for edges that do not send them.
    expect(decodeEdgeFrame(JSON.stringify(frame))).toEqual({
      ok: true,
      value: { ...frame, runs: [{ ...frame.runs[0], takeover: false, logSeq: 0, logLines: 0, jobName: null, queuedAt: null, launch: null }] },
    });
  });

  it('carries the project namespace TTL (1.6), which an agent before 1.6 drops as an unknown key', () => {
    const run = { runId, correlationId: 'd', epoch: 1, attemptNo: 1, projectId: 'p1', repositoryFullName: 'acme/app', issueNumber: 7, triggerKind: 'dev', triggerLabel: 'run:dev', agentKey: 'dev', leaseUntil: '2026-11-22T10:45:00.000Z', runToken: 't' };
    const decoded = (extra: Record<string, unknown>) => {
      const r = decodeEdgeFrame(JSON.stringify({ type: 'claim.result', ref: 'c', runs: [{ ...run, ...extra }] }));
      return r.ok && r.value.type === 'claim.result' ? r.value.runs[0] : undefined;
    };
    expect(decoded({ namespaceTtlSeconds: 7200 })?.namespaceTtlSeconds).toBe(7200);
    expect(decoded({ namespaceTtlSeconds: null })?.namespaceTtlSeconds).toBeNull();
    expect(decoded({})).not.toHaveProperty('namespaceTtlSeconds');
    // How 1.6 reached older agents: object schemas strip what they do not know.
    expect(decoded({ someLaterField: 'x' })).not.toHaveProperty('someLaterField');
    expect(decodeEdgeFrame(JSON.stringify({ type: 'claim.result', ref: 'c', runs: [{ ...run, namespaceTtlSeconds: -5 }] })).ok).toBe(false);
  });

  it.each([
    { type: 'run.cancel', runId, epoch: 2, jobName: null, namespace: null, reason: 'staff' },
    { type: 'heartbeat.result', ref: 'hb', lost: [runId] },
    // 1.4: tokens renewed with the leases.
    { type: 'heartbeat.result', ref: 'hb', lost: [], tokens: [{ runId, epoch: 2, token: 'eyJ.renewed', expiresAt: '2026-11-22T10:15:00.000Z' }] },
    { type: 'runs.state', ref: 'q', runs: [{ runId, status: 'succeeded', active: false }] },
  ])('decodes $type', (frame) => {
    expect(decodeEdgeFrame(JSON.stringify(frame))).toEqual({ ok: true, value: frame });
  });

  it('rejects a renewed token without its epoch or expiry', () => {
    expect(decodeEdgeFrame(JSON.stringify({ type: 'heartbeat.result', ref: 'hb', lost: [], tokens: [{ runId, token: 't', expiresAt: '2026-11-22T10:15:00.000Z' }] })).ok).toBe(false);
    expect(decodeEdgeFrame(JSON.stringify({ type: 'heartbeat.result', ref: 'hb', lost: [], tokens: [{ runId, epoch: 1, token: 't', expiresAt: 'soon' }] })).ok).toBe(false);
  });

  it('defaults heldRuns on welcome', () => {
    const r = decodeEdgeFrame(JSON.stringify({ type: 'welcome', clusterId: 'c', protocolVersion: '1.1.0', policyVersion: '1.0.0', heartbeatIntervalMs: 1000 }));
    expect(r.ok && r.value.type === 'welcome' && r.value.heldRuns).toEqual([]);
  });
  it('rejects agent frames', () => {
    expect(decodeEdgeFrame('{"type":"claim","id":"1","limit":1}').ok).toBe(false);
  });
});

describe('isCompatibleVersion', () => {
  it.each([
    ['1.0.0', '1.4.2', true],
    ['1.0.0', '2.0.0', false],
    ['1.0.0', 'garbage', false],
    ['1.0.0', '', false],
  ])('%s vs %s -> %s', (a, b, want) => expect(isCompatibleVersion(a, b)).toBe(want));
});
