// @vitest-environment happy-dom
import '@testing-library/jest-dom/vitest';
import { cleanup, render, screen, within } from '@solidjs/testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRun, runStatusEvent } from '../../test/fixtures/make-run.ts';
import { createRunStore } from '../lib/run-store.ts';
import { EMPTY_RUNS_TEXT, NO_MATCHING_RUNS_TEXT, RunsTable } from './runs-table.tsx';

const now = new Date('2026-03-01T10:05:00.000Z');

afterEach(() => {
  cleanup();
});

describe('RunsTable', () => {
  it('renders one row per run with status, repository, issue link and runtime fields', () => {
    const store = createRunStore();
    const run = makeRun({
      status: 'running',
      cluster_id: 'kind-dev',
      job_name: 'stageline-run-0b7c1f3e-1',
      namespace: 'stageline-acme-widgets-42',
    });
    store.applyList({ items: [run], lastEventId: 1 }, 'replace');
    render(() => <RunsTable runs={store.runs} now={now} />);

    const table = screen.getByTestId('runs-table');
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toContain('Status');
    const row = screen.getByTestId('run-row');
    expect(row).toHaveAttribute('data-run-id', run.id);
    expect(within(row).getByRole('link', { name: run.id.slice(0, 8) })).toHaveAttribute('href', `/runs/${run.id}`);
    expect(row).toHaveAttribute('data-status', 'running');
    expect(within(row).getByText('running')).toHaveClass('status-badge');
    expect(within(row).getByText('acme/widgets')).toBeInTheDocument();
    expect(within(row).getByRole('link', { name: '#42' })).toHaveAttribute(
      'href',
      'https://github.com/acme/widgets/issues/42',
    );
    expect(row).toHaveTextContent('run:dev');
    expect(row).toHaveTextContent('kind-dev');
    expect(row).toHaveTextContent('stageline-run-0b7c1f3e-1');
    expect(row).toHaveTextContent('stageline-acme-widgets-42');
    const created = within(row).getAllByText('5 min. ago')[0];
    expect(created).toHaveAttribute('title', run.created_at);
  });

  it('shows the issue number without a link when the run has no issue_url', () => {
    const store = createRunStore();
    store.applyList({ items: [makeRun({ issue_number: 7, issue_url: null })], lastEventId: 1 }, 'replace');
    render(() => <RunsTable runs={store.runs} now={now} />);
    expect(screen.queryByRole('link', { name: '#7' })).toBeNull();
    expect(screen.getByTestId('run-row')).toHaveTextContent('#7');
  });

  it('follows the store: status changes in place and new runs appear on top', () => {
    const store = createRunStore();
    const run = makeRun({ status: 'pending', version: 1 });
    store.applyList({ items: [run], lastEventId: 1 }, 'replace');
    render(() => <RunsTable runs={store.runs} now={now} />);
    const row = screen.getByTestId('run-row');

    store.applyEvent(runStatusEvent(2, { ...run, status: 'succeeded', version: 2 }));
    expect(row).toHaveAttribute('data-status', 'succeeded');
    expect(screen.getByTestId('run-row')).toBe(row);

    const fresh = makeRun({ status: 'pending' });
    store.applyEvent(runStatusEvent(3, fresh));
    expect(screen.getAllByTestId('run-row').map((tr) => tr.dataset['runId'])).toEqual([fresh.id, run.id]);
  });

  it('shows how long a run has been running or ran, and what it waits for', () => {
    const store = createRunStore();
    const running = makeRun({ status: 'running', started_at: '2026-03-01T10:01:48.000Z' });
    const done = makeRun({ status: 'succeeded', started_at: '2026-03-01T09:00:00.000Z', finished_at: '2026-03-01T10:05:00.000Z' });
    const waiting = makeRun({
      status: 'waiting_mcp',
      started_at: '2026-03-01T10:00:00.000Z',
      wait_reason: 'approval_pending',
      wait_since: '2026-03-01T10:02:00.000Z',
    });
    const pending = makeRun({ status: 'pending' });
    store.applyList({ items: [running, done, waiting, pending], lastEventId: 1 }, 'replace');
    render(() => <RunsTable runs={store.runs} now={now} />);
    const cells = screen.getAllByTestId('run-duration').map((cell) => cell.textContent);
    expect(cells).toEqual(['3 min 12 s', '1 h 5 min', '5 min', '—']);
    const waits = screen.getAllByTestId('run-wait').map((cell) => cell.textContent);
    expect(waits).toEqual(['—', '—', 'approval_pendingsince 3 min. ago', '—']);
  });

  it('never links an issue URL that is not a web address', () => {
    const store = createRunStore();
    store.applyList({ items: [makeRun({ issue_number: 9, issue_url: 'javascript:alert(1)' })], lastEventId: 1 }, 'replace');
    render(() => <RunsTable runs={store.runs} now={now} />);
    expect(screen.queryByRole('link', { name: '#9' })).toBeNull();
  });

  it('says nothing matches when filters are applied', () => {
    const store = createRunStore();
    render(() => <RunsTable runs={store.runs} now={now} filtered />);
    expect(screen.getByTestId('runs-table')).toHaveTextContent(NO_MATCHING_RUNS_TEXT);
  });

  it('shows the empty state when there are no runs', () => {
    const store = createRunStore();
    render(() => <RunsTable runs={store.runs} now={now} />);
    expect(screen.getByTestId('runs-table')).toHaveTextContent(EMPTY_RUNS_TEXT);
    expect(screen.queryByTestId('run-row')).toBeNull();
  });
});
