/**
 * The runs page's filter bar. It holds no state of its own: it shows the
 * filter it is given (read from the address) and reports every committed
 * change (a checkbox, a select, a text field on Enter or leaving it), which
 * the page writes back to the address.
 */
import { For, Show } from 'solid-js';
import { EMPTY_RUN_FILTER, isFilterEmpty, type RunFilter } from '../lib/run-filter.ts';
import { RUN_STATUSES, type RunStatus } from '../lib/run.ts';
import type { MeProject } from '../lib/staff-me.ts';

/** Wait reasons the edge records today (docs/domain.md §7); any other can be typed. */
const KNOWN_WAIT_REASONS = ['approval_pending', 'interaction_response', 'owner_review', 'backpressure'];

export type RunFiltersProps = {
  filter: RunFilter;
  projects: readonly MeProject[];
  onChange: (filter: RunFilter) => void;
};

export function RunFilters(props: RunFiltersProps) {
  const change = (patch: Partial<RunFilter>): void => props.onChange({ ...props.filter, ...patch });
  const text = (value: string): string | null => (value.trim() === '' ? null : value.trim());
  const toggleStatus = (status: RunStatus, on: boolean): void => {
    const held = props.filter.statuses.filter((item) => item !== status);
    change({ statuses: on ? RUN_STATUSES.filter((item) => item === status || held.includes(item)) : held });
  };
  const statusSummary = (): string => (props.filter.statuses.length === 0 ? 'any' : props.filter.statuses.join(', '));

  return (
    <form class="run-filters" data-testid="run-filters" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
      <div class="filter-field">
        <span class="filter-label" aria-hidden="true">
          Status
        </span>
        <details class="filter-status" data-testid="filter-status">
          <summary class="input" title={statusSummary()} aria-label={`Status: ${statusSummary()}`}>
            {statusSummary()}
          </summary>
          <fieldset class="filter-status-options">
            <legend class="visually-hidden">Statuses</legend>
            <For each={RUN_STATUSES}>
              {(status) => (
                <label class="toggle">
                  <input
                    type="checkbox"
                    value={status}
                    data-testid="filter-status-option"
                    checked={props.filter.statuses.includes(status)}
                    onChange={(event) => toggleStatus(status, event.currentTarget.checked)}
                  />
                  <span class="mono">{status}</span>
                </label>
              )}
            </For>
          </fieldset>
        </details>
      </div>
      <TextFilter label="Stage" placeholder="run:dev, run:plan" testId="filter-label" value={props.filter.labels.join(', ')} onCommit={(value) => change({ labels: value.split(',').map((item) => item.trim()).filter((item) => item !== '') })} />
      <TextFilter label="Repository" placeholder="owner/name" testId="filter-repository" value={props.filter.repository ?? ''} onCommit={(value) => change({ repository: text(value) })} />
      <TextFilter label="Agent" placeholder="dev" testId="filter-agent" value={props.filter.agent ?? ''} onCommit={(value) => change({ agent: text(value) })} size="short" />
      <label class="filter-field">
        <span class="filter-label">Project</span>
        <select class="input" data-testid="filter-project" value={props.filter.project ?? ''} onChange={(event) => change({ project: text(event.currentTarget.value) })}>
          <option value="">any</option>
          <For each={props.projects}>{(project) => <option value={project.slug}>{project.name}</option>}</For>
          <Show when={props.filter.project !== null && !props.projects.some((project) => project.slug === props.filter.project || project.id === props.filter.project)}>
            <option value={props.filter.project ?? ''}>{props.filter.project}</option>
          </Show>
        </select>
      </label>
      <TextFilter label="Waiting for" placeholder="approval_pending" testId="filter-wait-reason" list="wait-reasons" value={props.filter.waitReason ?? ''} onCommit={(value) => change({ waitReason: text(value) })} />
      <datalist id="wait-reasons">
        <For each={KNOWN_WAIT_REASONS}>{(reason) => <option value={reason} />}</For>
      </datalist>
      <DateFilter label="Created from" testId="filter-created-from" value={props.filter.createdFrom} onCommit={(value) => change({ createdFrom: value })} />
      <DateFilter label="to" testId="filter-created-to" value={props.filter.createdTo} onCommit={(value) => change({ createdTo: value })} />
      <Show when={!isFilterEmpty(props.filter)}>
        <button type="button" class="button" data-testid="filter-clear" onClick={() => props.onChange(EMPTY_RUN_FILTER)}>
          Clear filters
        </button>
      </Show>
    </form>
  );
}

function TextFilter(props: { label: string; placeholder: string; testId: string; value: string; list?: string; size?: 'short'; onCommit: (value: string) => void }) {
  // Enter commits at once; leaving the field (`change`) commits too, but only what changed.
  const commit = (value: string): void => {
    if (value.trim() !== props.value.trim()) {
      props.onCommit(value);
    }
  };
  return (
    <label class="filter-field">
      <span class="filter-label">{props.label}</span>
      <input
        class="input"
        classList={{ 'input-short': props.size === 'short' }}
        type="text"
        placeholder={props.placeholder}
        list={props.list}
        data-testid={props.testId}
        value={props.value}
        onChange={(event) => commit(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') {
            commit(event.currentTarget.value);
          }
        }}
      />
    </label>
  );
}

function DateFilter(props: { label: string; testId: string; value: string | null; onCommit: (value: string | null) => void }) {
  return (
    <label class="filter-field">
      <span class="filter-label">{props.label}</span>
      <input
        class="input"
        type="date"
        data-testid={props.testId}
        // An ISO instant from a shared link shows as its day.
        value={props.value?.slice(0, 10) ?? ''}
        onChange={(event) => props.onCommit(event.currentTarget.value === '' ? null : event.currentTarget.value)}
      />
    </label>
  );
}
