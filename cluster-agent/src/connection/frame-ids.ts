/**
 * Frame ids: `<prefix>-<counter>`. The prefix is random per process so ids
 * from before an agent restart never collide with new ones at the edge, which
 * remembers the ids it has applied. Ids stay within the protocol's 64 chars.
 */
export type NextFrameId = () => string;

export function createFrameIds(prefix: string): NextFrameId {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 40) || 'agent';
  let counter = 0;
  return () => {
    counter += 1;
    return `${safe}-${counter.toString(36)}`;
  };
}
