/**
 * One open question an agent asked (docs/domain.md §7.5). Only the person it
 * is addressed to answers: with one button per option and, when the question
 * allows it, free text. Everyone else sees whom it waits for.
 */
import { createSignal, For, Show } from 'solid-js';
import { formatRelativeTime } from '../lib/format-relative-time.ts';
import type { Answer, InboxQuestion } from '../lib/inbox-api.ts';
import { RunRef } from './run-ref.tsx';

export const MAX_ANSWER_LENGTH = 4000;

export type QuestionCardProps = {
  item: InboxQuestion;
  now: Date;
  busy: boolean;
  onAnswer: (answer: Answer) => void;
};

export function QuestionCard(props: QuestionCardProps) {
  const [text, setText] = createSignal('');
  const textId = () => `answer-text-${props.item.interaction_id}`;

  return (
    <article class="inbox-item" data-testid="inbox-question" data-interaction-id={props.item.interaction_id} aria-busy={props.busy}>
      <header class="inbox-item-head">
        <h3 class="inbox-item-title question-text">{props.item.question}</h3>
      </header>
      <dl class="facts">
        <div>
          <dt>Run</dt>
          <dd>
            <RunRef run={props.item.run} />
          </dd>
        </div>
        <div>
          <dt>Agent</dt>
          <dd class="mono">{props.item.run.agent_key}</dd>
        </div>
        <div>
          <dt>For</dt>
          <dd class="mono">{props.item.recipient_login === null ? '—' : `@${props.item.recipient_login}`}</dd>
        </div>
        <div>
          <dt>Deadline</dt>
          <dd>
            <Show when={props.item.deadline_at} fallback={<span class="none">none</span>}>
              {(deadline) => (
                <time datetime={deadline()} title={deadline()}>
                  {formatRelativeTime(deadline(), props.now)}
                </time>
              )}
            </Show>
          </dd>
        </div>
      </dl>
      <Show
        when={props.item.may_answer}
        fallback={
          <p class="hint">
            Waiting for {props.item.recipient_login === null ? 'its recipient' : `@${props.item.recipient_login}`} to answer.
          </p>
        }
      >
        <div class="inbox-actions">
          <Show when={props.item.options.length > 0}>
            <span class="button-group" role="group" aria-label="Options">
              <For each={props.item.options}>
                {(option) => (
                  <button
                    type="button"
                    class="button"
                    data-testid="answer-option"
                    data-option-id={option.id}
                    disabled={props.busy}
                    onClick={() => props.onAnswer({ kind: 'option', optionId: option.id })}
                  >
                    {option.label}
                  </button>
                )}
              </For>
            </span>
          </Show>
          <Show when={props.item.allow_free_text}>
            <form
              class="answer-form"
              onSubmit={(event) => {
                event.preventDefault();
                const answer = text().trim();
                if (answer !== '') {
                  props.onAnswer({ kind: 'text', text: answer });
                }
              }}
            >
              <label class="visually-hidden" for={textId()}>
                Your answer
              </label>
              <input
                id={textId()}
                type="text"
                class="input"
                data-testid="answer-text"
                placeholder="Your answer"
                maxLength={MAX_ANSWER_LENGTH}
                value={text()}
                disabled={props.busy}
                onInput={(event) => setText(event.currentTarget.value)}
              />
              <button type="submit" class="button" data-testid="answer-text-submit" disabled={props.busy || text().trim() === ''}>
                Send answer
              </button>
            </form>
          </Show>
        </div>
      </Show>
    </article>
  );
}
