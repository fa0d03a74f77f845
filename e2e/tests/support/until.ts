/**
 * Poll until `probe` returns a value (not undefined), or fail naming what was
 * awaited. Whole-system tests wait on things that happen after an answer:
 * the agent claiming, the outbox writing to GitHub, the inbox draining.
 */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
