/**
 * Queue depth and mean wait over time (uPlot). The chart takes its container's
 * width (a ResizeObserver follows it) and its colours from the page's CSS
 * variables, read again when the colour scheme changes, so it stays readable
 * in dark mode. Canvas is not accessible: the container carries a text
 * summary as its label, and the page prints it under the chart.
 */
import { createEffect, createSignal, onCleanup, onMount, Show } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Logger } from '../lib/log.ts';
import type { QueueChartData } from '../lib/queue-chart-data.ts';

export const CHART_HEIGHT = 220;

export type QueueChartProps = {
  data: QueueChartData;
  /** What the chart shows, in words. */
  label: string;
  log: Logger;
};

type Palette = { depth: string; depthFill: string; wait: string; text: string; grid: string };

export function QueueChart(props: QueueChartProps) {
  let box: HTMLDivElement | undefined;
  let chart: uPlot | null = null;
  const [failed, setFailed] = createSignal(false);

  const aligned = (): uPlot.AlignedData => [props.data.xs, props.data.waiting, props.data.meanWaitMinutes];

  function draw(): void {
    if (box === undefined) {
      return;
    }
    chart?.destroy();
    chart = null;
    try {
      // uPlot draws in a microtask, where a missing context would throw out of reach of this catch.
      if (document.createElement('canvas').getContext('2d') === null) {
        throw new Error('no 2D canvas');
      }
      chart = new uPlot(chartOptions(readPalette(box), Math.max(box.clientWidth, 200)), aligned(), box);
      setFailed(false);
    } catch (error) {
      // No 2D canvas (a test DOM, a locked-down browser): the summary under the chart still says it all.
      props.log.warn('queue chart not drawn', { error: String(error) });
      setFailed(true);
    }
  }

  onMount(() => {
    draw();
    const resize = new ResizeObserver(() => {
      if (box !== undefined && chart !== null && box.clientWidth > 0 && box.clientWidth !== chart.width) {
        chart.setSize({ width: box.clientWidth, height: CHART_HEIGHT });
      }
    });
    if (box !== undefined) {
      resize.observe(box);
    }
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    scheme.addEventListener('change', draw);
    onCleanup(() => {
      resize.disconnect();
      scheme.removeEventListener('change', draw);
      chart?.destroy();
      chart = null;
    });
  });

  createEffect(() => {
    const next = aligned();
    chart?.setData(next);
  });

  return (
    <div class="ops-chart-frame">
      <div
        class="ops-chart"
        data-testid="queue-chart"
        role="img"
        aria-label={props.label}
        ref={(element) => {
          box = element;
        }}
      />
      <Show when={failed()}>
        <p class="hint">The chart cannot be drawn in this browser.</p>
      </Show>
    </div>
  );
}

/** The chart colours from CSS variables (see the operations section of styles.css). */
function readPalette(element: HTMLElement): Palette {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string): string => style.getPropertyValue(name).trim() || fallback;
  return {
    depth: read('--ops-chart-depth', '#0969da'),
    depthFill: read('--ops-chart-depth-fill', 'rgba(9, 105, 218, 0.12)'),
    wait: read('--ops-chart-wait', '#bc4c00'),
    text: read('--fg-muted', '#57606a'),
    grid: read('--ops-chart-grid', '#d8dee4'),
  };
}

function chartOptions(palette: Palette, width: number): uPlot.Options {
  const axisFont = '11px system-ui, sans-serif';
  const whole = (_u: uPlot, values: number[]): string[] => values.map((value) => (Number.isInteger(value) ? String(value) : ''));
  const fromZero = (_u: uPlot, _min: number | null, max: number | null): uPlot.Range.MinMax => [0, Math.max(1, Math.ceil((max ?? 0) * 1.1))];
  return {
    width,
    height: CHART_HEIGHT,
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, runs: { range: fromZero }, minutes: { range: fromZero } },
    legend: { show: true },
    series: [
      {},
      {
        label: 'Waiting runs',
        scale: 'runs',
        stroke: palette.depth,
        fill: palette.depthFill,
        width: 2,
        paths: uPlot.paths.stepped?.({ align: 1 }),
        value: (_u, value) => (value === null ? '—' : String(value)),
      },
      {
        label: 'Mean wait (min)',
        scale: 'minutes',
        stroke: palette.wait,
        width: 2,
        spanGaps: false,
        points: { show: true, size: 4, fill: palette.wait },
        value: (_u, value) => (value === null ? '—' : `${value} min`),
      },
    ],
    axes: [
      { stroke: palette.text, font: axisFont, grid: { stroke: palette.grid, width: 1 }, ticks: { stroke: palette.grid, width: 1 } },
      {
        scale: 'runs',
        label: 'Waiting',
        labelFont: axisFont,
        stroke: palette.text,
        font: axisFont,
        values: whole,
        grid: { stroke: palette.grid, width: 1 },
        ticks: { stroke: palette.grid, width: 1 },
      },
      {
        scale: 'minutes',
        side: 1,
        label: 'Mean wait (min)',
        labelFont: axisFont,
        stroke: palette.text,
        font: axisFont,
        grid: { show: false },
        ticks: { stroke: palette.grid, width: 1 },
      },
    ],
  };
}
