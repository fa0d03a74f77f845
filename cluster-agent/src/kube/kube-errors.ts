/**
 * Reading errors thrown by @kubernetes/client-node without `instanceof` (a
 * bundle may hold two copies of the class): ApiException carries `code` and a
 * `body` that is a Status object (or its JSON text); Watch errors carry
 * `statusCode`.
 */

function statusBody(body: unknown): { reason?: string; message?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { message: body.slice(0, 200) };
    }
  }
  if (typeof value !== 'object' || value === null) {
    return {};
  }
  const record = value as Record<string, unknown>;
  return {
    reason: typeof record.reason === 'string' ? record.reason : undefined,
    message: typeof record.message === 'string' ? record.message : undefined,
  };
}

/** HTTP status of a client-node error, if it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const record = error as Record<string, unknown>;
  const code = typeof record.code === 'number' ? record.code : record.statusCode;
  return typeof code === 'number' ? code : undefined;
}

/** A short, single-line description fit for a run's failure reason. */
export function describeKubeError(error: unknown): string {
  const code = statusCodeOf(error);
  if (code !== undefined && typeof error === 'object' && error !== null) {
    const { reason, message } = statusBody((error as Record<string, unknown>).body);
    return [`HTTP ${code}`, reason, message].filter(Boolean).join(': ');
  }
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** Wrap an API failure with what we were doing (adapters throw Error with cause). */
export function kubeError(action: string, cause: unknown): Error {
  return new Error(`${action}: ${describeKubeError(cause)}`, { cause });
}
