// Streams the API server's Job watch and records when each run's Job was ADDED
// (shared by the benchmarks; the label is the run id, the same characters as a UUID).
export function watchJobs(kubeUrl) {
  const added = new Map();
  const controller = new AbortController();
  (async () => {
    const res = await fetch(`${kubeUrl}/apis/batch/v1/jobs?watch=true`, { headers: { authorization: 'Bearer kubesim' }, signal: controller.signal });
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const ev = line.trim() ? JSON.parse(line) : null;
        const runId = ev?.object?.metadata?.labels?.['stageline.dev/run-id'];
        if (ev?.type === 'ADDED' && runId && !added.has(runId)) {
          added.set(runId, performance.now());
        }
      }
    }
  })().catch(() => undefined);
  return { added, stop: () => controller.abort() };
}
