import { formatRelativeTime } from '../lib/format-relative-time.ts';

/** "3 min. ago", with the exact time on hover; "—" without a time. */
export function RelativeTime(props: { iso: string | null; now: Date }) {
  return props.iso === null ? (
    <span class="none">—</span>
  ) : (
    <time class="time" datetime={props.iso} title={new Date(props.iso).toLocaleString()}>
      {formatRelativeTime(props.iso, props.now)}
    </time>
  );
}
