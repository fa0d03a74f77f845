import { Log, Watch } from '@kubernetes/client-node';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Harness } from './harness.ts';
import { apiError, nodeJob, startHarness, statusBody, uniqueName, waitFor } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.sim.close();
});

async function namespace(): Promise<string> {
  const name = uniqueName('jobs');
  await h.core.createNamespace({ body: { metadata: { name } } });
  return name;
}

function condition(job: V1Job, type: string): { status?: string; reason?: string } | undefined {
  return job.status?.conditions?.find((c) => c.type === type);
}

async function jobPods(ns: string, job: string): Promise<V1Pod[]> {
  return (await h.core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${job}` })).items;
}

async function finished(ns: string, name: string, timeoutMs = 10_000): Promise<V1Job> {
  return waitFor(
    `job ${name} to finish`,
    async () => {
      const job = await h.batch.readNamespacedJob({ namespace: ns, name });
      return condition(job, 'Complete')?.status === 'True' || condition(job, 'Failed')?.status === 'True' ? job : undefined;
    },
    timeoutMs,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('job controller', () => {
  it('runs the command as a process and reaches Complete, conditions in order', async () => {
    const ns = await namespace();
    const events: string[] = [];
    const list = await h.batch.listNamespacedJob({ namespace: ns });
    const controller = await new Watch(h.kc).watch(
      `/apis/batch/v1/namespaces/${ns}/jobs`,
      { resourceVersion: list.metadata?.resourceVersion ?? '' },
      (type, obj: V1Job) => events.push(`${type}:${(obj.status?.conditions ?? []).map((c) => c.type).join('+')}`),
      () => undefined,
    );
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('hello', "console.log('hello'); process.exit(0)") });
    const job = await finished(ns, 'hello');
    controller.abort();
    expect(condition(job, 'Complete')).toMatchObject({ status: 'True', reason: 'CompletionsReached' });
    expect(condition(job, 'SuccessCriteriaMet')?.status).toBe('True');
    expect(job.status).toMatchObject({ succeeded: 1, ready: 0 });
    expect(job.status?.active).toBeUndefined();
    expect(job.status?.startTime).toBeInstanceOf(Date);
    expect(job.status?.completionTime).toBeInstanceOf(Date);
    const conditionSteps = events.map((e) => e.split(':')[1]).filter((c, i, all) => c !== all[i - 1]);
    expect(conditionSteps).toEqual(['', 'SuccessCriteriaMet', 'SuccessCriteriaMet+Complete']);
    expect(events.filter((e) => e.startsWith('MODIFIED')).length).toBeGreaterThanOrEqual(3);

    const [pod] = await jobPods(ns, 'hello');
    expect(pod?.metadata?.name).toMatch(/^hello-[a-z0-9]{5}$/);
    expect(pod?.metadata?.labels).toMatchObject({ role: 'runner', 'job-name': 'hello', 'batch.kubernetes.io/job-name': 'hello', 'controller-uid': job.metadata?.uid, 'batch.kubernetes.io/controller-uid': job.metadata?.uid });
    expect(pod?.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', name: 'hello', uid: job.metadata?.uid, controller: true })]);
    expect(pod?.status?.phase).toBe('Succeeded');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const log = await h.core.readNamespacedPodLog({ namespace: ns, name: pod?.metadata?.name ?? '' });
    expect(log).toBe('hello\n');
  });

  it('streams logs with follow until the process ends, and honours tailLines and timestamps', async () => {
    const ns = await namespace();
    const script = "console.log('first'); setTimeout(() => { console.error('second'); console.log('third'); }, 400)";
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('follow', script) });
    const pod = await waitFor('running pod', async () => (await jobPods(ns, 'follow')).find((p) => p.status?.phase === 'Running'));
    const name = pod.metadata?.name ?? '';
    const sink = new PassThrough();
    let text = '';
    sink.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    const ended = new Promise((resolve) => sink.on('end', resolve));
    await new Log(h.kc).log(ns, name, 'main', sink, { follow: true });
    await ended;
    expect(text).toBe('first\nsecond\nthird\n');
    expect(await h.core.readNamespacedPodLog({ namespace: ns, name, tailLines: 1 })).toBe('third\n');
    const stamped = await h.core.readNamespacedPodLog({ namespace: ns, name, timestamps: true });
    expect(stamped).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z first\n/);
    await finished(ns, 'follow');
    expect(await h.core.readNamespacedPodLog({ namespace: ns, name })).toBe('first\nsecond\nthird\n');
  });

  it('a failing command fails the pod and the Job with BackoffLimitExceeded', async () => {
    const ns = await namespace();
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('boom', "console.error('bad'); process.exit(3)") });
    const job = await finished(ns, 'boom');
    expect(condition(job, 'FailureTarget')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded' });
    expect(condition(job, 'Failed')).toMatchObject({ status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' });
    expect(condition(job, 'Complete')).toBeUndefined();
    expect(job.status?.failed).toBe(1);
    const [pod] = await jobPods(ns, 'boom');
    expect(pod?.status?.phase).toBe('Failed');
    expect(pod?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('retries up to backoffLimit with new pods', async () => {
    const ns = await namespace();
    const fast = await startHarness({ jobBackoffMs: 20 });
    try {
      await fast.core.createNamespace({ body: { metadata: { name: ns } } });
      await fast.batch.createNamespacedJob({ namespace: ns, body: nodeJob('retry', 'process.exit(1)', { backoffLimit: 2 }) });
      const job = await waitFor('retry job to fail', async () => {
        const j = await fast.batch.readNamespacedJob({ namespace: ns, name: 'retry' });
        return condition(j, 'Failed') ? j : undefined;
      });
      expect(job.status?.failed).toBe(3);
      expect((await fast.core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=retry' })).items).toHaveLength(3);
    } finally {
      await fast.sim.close();
    }
  });

  it('activeDeadlineSeconds kills the process and fails the Job with DeadlineExceeded', async () => {
    const ns = await namespace();
    const pidFile = join(h.workDir, `${ns}.pid`);
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('slow', script, { activeDeadlineSeconds: 2 }) });
    const pid = await waitFor('pid file', async () => Number(await readFile(pidFile, 'utf8')) || undefined);
    expect(isAlive(pid)).toBe(true);
    const job = await finished(ns, 'slow', 6000);
    expect(condition(job, 'Failed')).toMatchObject({ status: 'True', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' });
    expect(job.status?.failed).toBe(1);
    await waitFor('process to die', () => (isAlive(pid) ? undefined : true));
    expect(await jobPods(ns, 'slow')).toEqual([]);
  });

  it('resolves secretKeyRef (data and stringData) and plain env into the process', async () => {
    const ns = await namespace();
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'creds' }, data: { token: Buffer.from('tok-123').toString('base64') } } });
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'more' }, stringData: { word: 'plain' } } });
    const env = [
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
      { name: 'WORD', valueFrom: { secretKeyRef: { name: 'more', key: 'word' } } },
      { name: 'GREETING', value: 'hi $(WORD)' },
    ];
    const script = 'console.log([process.env.TOKEN, process.env.WORD, process.env.GREETING, process.env.SECRET_LEAK ?? "none"].join("|"))';
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('env', script, {}, env) });
    await finished(ns, 'env');
    const [pod] = await jobPods(ns, 'env');
    expect(await h.core.readNamespacedPodLog({ namespace: ns, name: pod?.metadata?.name ?? '' })).toBe('tok-123|plain|hi plain|none\n');
  });

  it('mounts emptyDir and secret volumes under the pod root it names in KUBESIM_FS_ROOT, and starts in workingDir', async () => {
    const ns = await namespace();
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'run-creds' }, data: { 'mcp-token': Buffer.from('tok-vol').toString('base64'), other: Buffer.from('x').toString('base64') } } });
    const script = [
      'const fs = require("fs"), path = require("path"); const root = process.env.KUBESIM_FS_ROOT;',
      'fs.writeFileSync(path.join(root, "/work/scratch.txt"), "w");',
      'console.log([fs.readFileSync(path.join(root, "/var/run/app/token"), "utf8"), fs.existsSync(path.join(root, "/var/run/app/other")), process.cwd() === path.join(root, "/work"), (fs.statSync(path.join(root, "/var/run/app/token")).mode & 0o777).toString(8)].join("|"))',
    ].join('\n');
    const job = nodeJob('vols', script);
    const podSpec = job.spec?.template.spec;
    if (podSpec === undefined || podSpec.containers[0] === undefined) {
      throw new Error('no pod spec');
    }
    podSpec.containers[0].workingDir = '/work';
    podSpec.containers[0].volumeMounts = [
      { name: 'work', mountPath: '/work' },
      { name: 'token', mountPath: '/var/run/app', readOnly: true },
    ];
    podSpec.volumes = [
      { name: 'work', emptyDir: {} },
      { name: 'token', secret: { secretName: 'run-creds', items: [{ key: 'mcp-token', path: 'token' }], defaultMode: 0o440 } },
    ];
    await h.batch.createNamespacedJob({ namespace: ns, body: job });
    await finished(ns, 'vols');
    const [pod] = await jobPods(ns, 'vols');
    expect(await h.core.readNamespacedPodLog({ namespace: ns, name: pod?.metadata?.name ?? '' })).toBe('tok-vol|false|true|440\n');
  });

  it('a missing secret keeps the pod Pending with CreateContainerConfigError until it appears', async () => {
    const ns = await namespace();
    const env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'late', key: 'token' } } }];
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('waits', 'console.log(process.env.TOKEN)', {}, env) });
    const pod = await waitFor('config error', async () =>
      (await jobPods(ns, 'waits')).find((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError'),
    );
    expect(pod.status?.phase).toBe('Pending');
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe('secret "late" not found');
    const logErr = await apiError(h.core.readNamespacedPodLog({ namespace: ns, name: pod.metadata?.name ?? '' }));
    expect(logErr.code).toBe(400);
    expect(String(statusBody(logErr)['message'])).toContain('is waiting to start: CreateContainerConfigError');
    const job = await h.batch.readNamespacedJob({ namespace: ns, name: 'waits' });
    expect(job.status).toMatchObject({ active: 1, ready: 0 });
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'late' }, stringData: { token: 'arrived' } } });
    await finished(ns, 'waits');
    expect(await h.core.readNamespacedPodLog({ namespace: ns, name: pod.metadata?.name ?? '' })).toBe('arrived\n');
  });

  it('a missing key is also CreateContainerConfigError', async () => {
    const ns = await namespace();
    await h.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'partial' }, stringData: { other: 'x' } } });
    const env = [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'partial', key: 'token' } } }];
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('nokey', 'process.exit(0)', {}, env) });
    const pod = await waitFor('config error', async () => (await jobPods(ns, 'nokey')).find((p) => p.status?.containerStatuses?.[0]?.state?.waiting));
    expect(pod.status?.containerStatuses?.[0]?.state?.waiting).toEqual({ reason: 'CreateContainerConfigError', message: `couldn't find key token in Secret ${ns}/partial` });
  });

  it('deleting a Job with Background propagation kills its process and deletes its pods; Orphan keeps them', async () => {
    const ns = await namespace();
    const pidFile = join(h.workDir, `${ns}-bg.pid`);
    const script = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)`;
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('bg', script) });
    const pid = await waitFor('pid file', async () => Number(await readFile(pidFile, 'utf8')) || undefined);
    await h.batch.deleteNamespacedJob({ namespace: ns, name: 'bg', propagationPolicy: 'Background' });
    await waitFor('process to die', () => (isAlive(pid) ? undefined : true));
    await waitFor('pods to go', async () => ((await jobPods(ns, 'bg')).length === 0 ? true : undefined));

    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('orphan', 'setTimeout(() => {}, 300)') });
    await waitFor('pod', async () => (await jobPods(ns, 'orphan'))[0]);
    await h.batch.deleteNamespacedJob({ namespace: ns, name: 'orphan', propagationPolicy: 'Orphan' });
    const [kept] = await jobPods(ns, 'orphan');
    expect(kept?.metadata?.ownerReferences).toBeUndefined();
  });

  it('ttlSecondsAfterFinished deletes the finished Job and its pods', async () => {
    const ns = await namespace();
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('ttl', 'process.exit(0)', { ttlSecondsAfterFinished: 0 }) });
    await waitFor('job to be deleted', async () => ((await h.batch.listNamespacedJob({ namespace: ns })).items.length === 0 ? true : undefined));
    await waitFor('pods to be deleted', async () => ((await jobPods(ns, 'ttl')).length === 0 ? true : undefined));
  });

  it('suspended Jobs create no pods until resumed', async () => {
    const ns = await namespace();
    await h.batch.createNamespacedJob({ namespace: ns, body: nodeJob('later', 'process.exit(0)', { suspend: true }) });
    const suspended = await waitFor('Suspended condition', async () => {
      const j = await h.batch.readNamespacedJob({ namespace: ns, name: 'later' });
      return condition(j, 'Suspended') ? j : undefined;
    });
    expect(condition(suspended, 'Suspended')).toMatchObject({ status: 'True', reason: 'JobSuspended' });
    expect(await jobPods(ns, 'later')).toEqual([]);
    await h.batch.patchNamespacedJob({ namespace: ns, name: 'later', body: [{ op: 'replace', path: '/spec/suspend', value: false }] });
    const done = await finished(ns, 'later');
    expect(condition(done, 'Suspended')).toMatchObject({ status: 'False', reason: 'JobResumed' });
  });
});

describe('pods', () => {
  it('runs standalone pods and reports a missing command binary as StartError', async () => {
    const ns = await namespace();
    const containers = [{ name: 'c', image: 'x', command: ['definitely-not-a-binary-kubesim'] }];
    await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'nobin' }, spec: { restartPolicy: 'Never', containers } } });
    const pod = await waitFor('failed pod', async () => {
      const p = await h.core.readNamespacedPod({ namespace: ns, name: 'nobin' });
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe('kubesim');
    expect(pod.spec?.serviceAccountName).toBe('default');
    expect(pod.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 128, reason: 'StartError' });
  });

  it('a container with no command exits 0', async () => {
    const ns = await namespace();
    await h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'noop' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } });
    await waitFor('succeeded pod', async () => ((await h.core.readNamespacedPod({ namespace: ns, name: 'noop' })).status?.phase === 'Succeeded' ? true : undefined));
  });

  it('rejects pods whose service account does not exist (403)', async () => {
    const ns = await namespace();
    const err = await apiError(h.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'sa' }, spec: { serviceAccountName: 'ghost', containers: [{ name: 'c', image: 'x' }] } } }));
    expect(err.code).toBe(403);
    expect(String(statusBody(err)['message'])).toContain('serviceaccount "ghost" not found');
  });
});
