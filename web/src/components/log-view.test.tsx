// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { cleanup, render, screen } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogBuffer, toLogView } from '../lib/log-lines.ts';
import { LogLine, toLogRows, toLogText } from './log-view.tsx';

const ESC = '\u001b';

afterEach(() => {
  cleanup();
});

describe('LogLine', () => {
  it('renders markup in a log line as text, never as elements', () => {
    const text = `${ESC}[31m<script>window.pwned = true</script>${ESC}[0m <img src=x onerror=alert(1)>`;
    const { container } = render(() => <LogLine line={{ index: 4, text }} numbered query="" />);
    const line = screen.getByTestId('log-line');
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(line).toHaveTextContent('5<script>window.pwned = true</script> <img src=x onerror=alert(1)>');
    expect(line.querySelector('span[style]')).toHaveStyle({ color: 'rgb(187, 0, 0)' });
    expect((window as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('highlights search matches with <mark>', () => {
    render(() => <LogLine line={{ index: 0, text: 'npm ERR! test failed; ERR again' }} numbered={false} query="err" />);
    expect(screen.getAllByText(/err/i, { selector: 'mark' }).map((mark) => mark.textContent)).toEqual(['ERR', 'ERR']);
    expect(screen.getByTestId('log-line').querySelector('.log-number')).toHaveTextContent('');
  });
});

describe('toLogRows', () => {
  const view = { lines: ['alpha', 'beta', 'alphabet'], gapAt: 1, numbered: false } as const;

  it('puts the gap where lines are missing and can keep only matching lines', () => {
    expect(toLogRows(view, '', false).map((row) => (row.kind === 'gap' ? 'gap' : row.text))).toEqual(['alpha', 'gap', 'beta', 'alphabet']);
    expect(toLogRows(view, 'alpha', true).map((row) => (row.kind === 'gap' ? 'gap' : row.text))).toEqual(['alpha', 'gap', 'alphabet']);
  });
});

describe('toLogText', () => {
  it('is plain text, with a marker where lines are missing', () => {
    expect(toLogText({ lines: [`${ESC}[32mok${ESC}[0m`, 'later'], gapAt: 1, numbered: false })).toBe('ok\n[… lines not loaded …]\nlater\n');
    expect(toLogText(toLogView(createLogBuffer()))).toBe('');
  });
});
