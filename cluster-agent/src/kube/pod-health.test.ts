import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { assessPods, isStuckReason, type PodVerdict } from './pod-health.ts';

const GRACE = 60_000;
const T0 = 1_000_000;

function waitingPod(reason: string, message = `${reason} details`, name = 'run-pod'): V1Pod {
  return {
    metadata: { name, uid: `uid-${name}` },
    status: { phase: 'Pending', containerStatuses: [{ name: 'run', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }] },
  };
}

function unschedulablePod(message = "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."): V1Pod {
  return { metadata: { name: 'run-pod', uid: 'uid-run-pod' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } };
}

const phasePod = (phase: string): V1Pod => ({ metadata: { name: 'run-pod', uid: 'uid-run-pod' }, status: { phase } });

/** Looks at the same pods twice: once at T0 (remembered), then `elapsed` later. */
function after(elapsed: number, pods: V1Pod[]): PodVerdict {
  const first = assessPods(pods, new Map(), T0, GRACE);
  return assessPods(pods, first.memory, T0 + elapsed, GRACE).verdict;
}

describe('assessPods', () => {
  it.each<[string, V1Pod[], number, PodVerdict]>([
    ['no pod yet', [], 0, { kind: 'pending' }],
    ['ContainerCreating', [waitingPod('ContainerCreating')], 10 * GRACE, { kind: 'pending' }],
    ['Running', [phasePod('Running')], 0, { kind: 'started', pod: 'run-pod' }],
    ['Succeeded before we looked', [phasePod('Succeeded')], 0, { kind: 'started', pod: 'run-pod' }],
    ['Failed before we looked', [phasePod('Failed')], 0, { kind: 'started', pod: 'run-pod' }],
    ['ErrImagePull within the grace', [waitingPod('ErrImagePull')], GRACE - 1, { kind: 'pending' }],
    ['ErrImagePull past the grace', [waitingPod('ErrImagePull', 'not found')], GRACE, { kind: 'stuck', reason: 'ErrImagePull: not found' }],
    ['ImagePullBackOff past the grace', [waitingPod('ImagePullBackOff', 'Back-off pulling image "x:missing"')], GRACE, { kind: 'stuck', reason: 'ImagePullBackOff: Back-off pulling image "x:missing"' }],
    ['InvalidImageName at once', [waitingPod('InvalidImageName', 'invalid reference format')], 0, { kind: 'stuck', reason: 'InvalidImageName: invalid reference format' }],
    ['CreateContainerConfigError past the grace', [waitingPod('CreateContainerConfigError', 'secret "s" not found')], GRACE, { kind: 'stuck', reason: 'CreateContainerConfigError: secret "s" not found' }],
    ['CreateContainerError past the grace', [waitingPod('CreateContainerError')], GRACE + 5, { kind: 'stuck', reason: 'CreateContainerError: CreateContainerError details' }],
    ['RunContainerError past the grace', [waitingPod('RunContainerError')], GRACE, { kind: 'stuck', reason: 'RunContainerError: RunContainerError details' }],
    ['CrashLoopBackOff past the grace', [waitingPod('CrashLoopBackOff')], GRACE, { kind: 'stuck', reason: 'CrashLoopBackOff: CrashLoopBackOff details' }],
    ['another *BackOff past the grace', [waitingPod('PreStartHookBackOff', '')], GRACE, { kind: 'stuck', reason: 'PreStartHookBackOff' }],
    ['Unschedulable within the grace', [unschedulablePod()], GRACE / 2, { kind: 'pending' }],
    [
      'Unschedulable past the grace',
      [unschedulablePod()],
      GRACE,
      { kind: 'stuck', reason: "Unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector." },
    ],
  ])('%s', (_name, pods, elapsed, want) => {
    expect(after(elapsed, pods)).toEqual(want);
  });

  it('counts ErrImagePull and ImagePullBackOff of one container as one stuck period', () => {
    const a = assessPods([waitingPod('ErrImagePull')], new Map(), T0, GRACE);
    const b = assessPods([waitingPod('ImagePullBackOff')], a.memory, T0 + GRACE / 2, GRACE);
    expect(b.verdict).toEqual({ kind: 'pending' });
    const c = assessPods([waitingPod('ErrImagePull', 'gone')], b.memory, T0 + GRACE, GRACE);
    expect(c.verdict).toEqual({ kind: 'stuck', reason: 'ErrImagePull: gone' });
  });

  it('restarts the clock when the container stops waiting in between', () => {
    const a = assessPods([waitingPod('ErrImagePull')], new Map(), T0, GRACE);
    const b = assessPods([waitingPod('ContainerCreating')], a.memory, T0 + GRACE / 2, GRACE);
    const c = assessPods([waitingPod('ErrImagePull')], b.memory, T0 + GRACE, GRACE);
    expect(c.verdict).toEqual({ kind: 'pending' });
  });

  it('ignores pods that are being deleted and caps the reason at 500 characters', () => {
    const deleting: V1Pod = { ...waitingPod('InvalidImageName'), metadata: { name: 'old', uid: 'old', deletionTimestamp: new Date() } };
    expect(assessPods([deleting], new Map(), T0, GRACE).verdict).toEqual({ kind: 'pending' });
    const long = assessPods([waitingPod('InvalidImageName', 'x'.repeat(900))], new Map(), T0, GRACE).verdict;
    expect(long.kind === 'stuck' && long.reason.length).toBe(500);
  });

  it.each([
    ['ErrImagePull', true],
    ['ImagePullBackOff', true],
    ['SomethingBackOff', true],
    ['ContainerCreating', false],
    ['PodInitializing', false],
  ])('isStuckReason(%s) = %s', (reason, want) => expect(isStuckReason(reason)).toBe(want));
});
