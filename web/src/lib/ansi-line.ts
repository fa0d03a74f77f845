/**
 * One log line's ANSI colours as plain data for the log view (anser does the
 * SGR parsing). The line's text is only ever used as text: the view renders
 * segments as Solid text nodes, never as HTML, so `<script>` in a log stays
 * `<script>` on screen. Colours reach the page as `rgb(r, g, b)` values that
 * are checked to be exactly that, never as raw text from the log.
 *
 * The log panel is dark in both themes, which suits the terminal palette
 * anser uses.
 */
import Anser from 'anser';

export type AnsiStyle = {
  color?: string;
  'background-color'?: string;
  'font-weight'?: string;
  'font-style'?: string;
  'text-decoration'?: string;
  opacity?: string;
  visibility?: 'hidden';
};

export type AnsiSegment = {
  text: string;
  style: AnsiStyle;
  /** Part of a search match. */
  mark: boolean;
};

const RGB = /^\d{1,3}, \d{1,3}, \d{1,3}$/;
/** CSI sequences (colours, cursor moves) and OSC sequences (titles, hyperlinks). */
// oxlint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ANSI_SEQUENCE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;

/** A carriage return redraws the line (progress bars): what the terminal would show is the text after the last one. */
function visiblePart(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const last = trimmed.lastIndexOf('\r');
  return last === -1 ? trimmed : trimmed.slice(last + 1);
}

/** The line without escape sequences: what search and download see. */
export function stripAnsi(line: string): string {
  return visiblePart(line).replace(ANSI_SEQUENCE, '');
}

/** The line as coloured segments, without escape sequences. */
export function toAnsiSegments(line: string): AnsiSegment[] {
  const visible = visiblePart(line);
  if (!visible.includes('\u001b')) {
    return visible === '' ? [] : [{ text: visible, style: {}, mark: false }];
  }
  return Anser.ansiToJson(visible, { json: true, remove_empty: true })
    .map((entry) => ({ text: entry.content.replace(ANSI_SEQUENCE, ''), style: toStyle(entry), mark: false }))
    .filter((segment) => segment.text !== '');
}

function toStyle(entry: Anser.AnserJsonEntry): AnsiStyle {
  const decorations = new Set(entry.decorations);
  let fg = RGB.test(entry.fg ?? '') ? `rgb(${entry.fg})` : undefined;
  let bg = RGB.test(entry.bg ?? '') ? `rgb(${entry.bg})` : undefined;
  if (decorations.has('reverse')) {
    [fg, bg] = [bg ?? 'var(--log-bg)', fg ?? 'var(--log-fg)'];
  }
  const lines = [decorations.has('underline') ? 'underline' : '', decorations.has('strikethrough') ? 'line-through' : ''].filter((value) => value !== '');
  const style: AnsiStyle = {};
  if (fg !== undefined) {
    style.color = fg;
  }
  if (bg !== undefined) {
    style['background-color'] = bg;
  }
  if (decorations.has('bold')) {
    style['font-weight'] = '700';
  }
  if (decorations.has('italic')) {
    style['font-style'] = 'italic';
  }
  if (lines.length > 0) {
    style['text-decoration'] = lines.join(' ');
  }
  if (decorations.has('dim')) {
    style.opacity = '0.7';
  }
  if (decorations.has('hidden')) {
    style.visibility = 'hidden';
  }
  return style;
}

/**
 * Splits segments where `query` matches (case-insensitively, across segment
 * boundaries) and marks the matching parts.
 */
export function markMatches(segments: readonly AnsiSegment[], query: string): AnsiSegment[] {
  const needle = query.toLowerCase();
  if (needle === '') {
    return [...segments];
  }
  const text = segments.map((segment) => segment.text).join('').toLowerCase();
  const ranges: [number, number][] = [];
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
    ranges.push([at, at + needle.length]);
  }
  if (ranges.length === 0) {
    return [...segments];
  }
  const marked: AnsiSegment[] = [];
  let offset = 0;
  for (const segment of segments) {
    const end = offset + segment.text.length;
    // Cut points inside this segment: its edges and every match edge between them.
    const cuts = [offset, ...ranges.flat().filter((point) => point > offset && point < end), end];
    for (let i = 0; i < cuts.length - 1; i += 1) {
      const from = cuts[i] ?? offset;
      const to = cuts[i + 1] ?? end;
      if (to > from) {
        const mark = ranges.some(([start, stop]) => from >= start && to <= stop);
        marked.push({ text: segment.text.slice(from - offset, to - offset), style: segment.style, mark });
      }
    }
    offset = end;
  }
  return marked;
}

/** Whether the line's visible text contains `query` (case-insensitive). */
export function lineMatches(line: string, query: string): boolean {
  return query === '' || stripAnsi(line).toLowerCase().includes(query.toLowerCase());
}
