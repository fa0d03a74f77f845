/**
 * What happened to a run, for the run page: the merged timeline of audit
 * events and runner milestones, and beside it the agent's messages and tool
 * calls (run-timeline.ts). Both are plain text; an agent message keeps its
 * line breaks.
 */
import { For, Show } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import type { ActivityEntry, TimelineEntry } from '../lib/run-timeline.ts';

export function RunTimeline(props: { entries: readonly TimelineEntry[]; now: Date; loading: boolean }) {
  return (
    <section class="panel" aria-labelledby="run-timeline-title">
      <h3 id="run-timeline-title" class="section-title">
        Timeline <span class="count">{props.entries.length}</span>
      </h3>
      <ol class="timeline" data-testid="run-timeline">
        <For each={props.entries} fallback={<li class="empty-line">{props.loading ? 'Loading…' : 'Nothing recorded yet.'}</li>}>
          {(entry) => (
            <li class="timeline-entry" data-testid="timeline-entry" data-source={entry.source} data-tone={entry.tone}>
              <span class="timeline-dot" aria-hidden="true" />
              <div class="timeline-body">
                <div class="timeline-head">
                  <span class="mono timeline-title">{entry.title}</span>
                  <span class="hint">{entry.actor}</span>
                  <time class="hint timeline-time" datetime={entry.at} title={entry.at}>
                    {formatRelativeTime(entry.at, props.now)}
                  </time>
                </div>
                <Show when={entry.detail !== ''}>
                  <div class="timeline-detail mono">{entry.detail}</div>
                </Show>
              </div>
            </li>
          )}
        </For>
      </ol>
    </section>
  );
}

export function AgentActivity(props: { entries: readonly ActivityEntry[]; now: Date; loading: boolean }) {
  return (
    <section class="panel" aria-labelledby="run-activity-title">
      <h3 id="run-activity-title" class="section-title">
        Agent messages and tool calls <span class="count">{props.entries.length}</span>
      </h3>
      <ol class="activity" data-testid="run-activity">
        <For each={props.entries} fallback={<li class="empty-line">{props.loading ? 'Loading…' : 'The agent has not said or done anything yet.'}</li>}>
          {(entry) => (
            <li class="activity-entry" data-testid="activity-entry" data-kind={entry.kind}>
              <div class="activity-head">
                <span class="activity-kind">{entry.kind === 'message' ? 'Message' : 'Tool'}</span>
                <Show when={entry.kind === 'tool' ? entry : null}>
                  {(tool) => (
                    <>
                      <span class="mono">{tool().tool}</span>
                      <Show when={tool().status}>{(status) => <span class="hint">{status()}</span>}</Show>
                      <Show when={tool().exitCode !== null}>
                        <span class="hint">exit {tool().exitCode}</span>
                      </Show>
                    </>
                  )}
                </Show>
                <time class="hint activity-time" datetime={entry.at} title={`${entry.at} · attempt ${entry.attempt}`}>
                  {formatRelativeTime(entry.at, props.now)}
                </time>
              </div>
              <Show when={entry.kind === 'message' ? entry.text : entry.command}>
                {(text) => <pre class={entry.kind === 'message' ? 'activity-text' : 'activity-command'}>{text()}</pre>}
              </Show>
            </li>
          )}
        </For>
      </ol>
    </section>
  );
}
