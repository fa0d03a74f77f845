/**
 * What a test scripts: a function from the conversation so far to the model's
 * next reply. Replies are provider-neutral; openai-responses.ts and
 * anthropic-messages.ts put them on the wire. Scripts are stateless by design:
 * the step is read from the request (tool outputs already in the conversation),
 * so a client's retry of the same request gets the same answer.
 */

export type Provider = 'openai' | 'anthropic';

/** Calls a tool. `server` names an MCP server; without it the tool is one of the CLI's own. */
export interface ToolStep {
  type: 'tool';
  server?: string;
  name: string;
  args: Record<string, unknown>;
}

/** Runs a shell command through the CLI's own shell tool (codex `exec_command`, Claude `Bash`). */
export interface ShellStep {
  type: 'shell';
  command: string;
  /** Claude's Bash tool asks for one; defaults to a short description of the command. */
  description?: string;
}

export interface TextStep {
  type: 'text';
  text: string;
}

export type ReplyItem = ToolStep | ShellStep | TextStep;

export interface StepsReply {
  kind: 'steps';
  items: ReplyItem[];
}

/** Answers with this status and body (default: the provider's error JSON). */
export interface HttpErrorReply {
  kind: 'http_error';
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

/** A 200 event stream that breaks the protocol: unparsable data, then the end of the body. */
export interface MalformedSseReply {
  kind: 'malformed_sse';
}

/** Sends the stream's headers, then nothing until the client goes away or the server closes. */
export interface HangReply {
  kind: 'hang';
}

export type Reply = StepsReply | HttpErrorReply | MalformedSseReply | HangReply;

export interface ToolOutput {
  callId: string;
  /** The output as text (content parts joined with newlines). */
  output: string;
}

export interface TurnContext {
  provider: Provider;
  /** The parsed request body. */
  body: Record<string, unknown>;
  /** How many tool outputs / tool results the conversation already carries. */
  step: number;
  /** Those outputs, oldest first. */
  outputs: readonly ToolOutput[];
  /**
   * The first user message's text, without the context the CLIs inject as user
   * messages (codex's `<environment_context>` and AGENTS.md, Claude's `<system-reminder>`),
   * which is the prompt the CLI was started with.
   */
  firstUserText: string;
}

export type Script = (turn: TurnContext) => Reply | Promise<Reply>;

export function steps(...items: ReplyItem[]): StepsReply {
  return { kind: 'steps', items };
}

export function textReply(text: string): StepsReply {
  return steps({ type: 'text', text });
}

/** How many tool outputs the client sends back after this reply. */
export function stepsConsumed(reply: Reply): number {
  return reply.kind === 'steps' ? reply.items.filter((item) => item.type !== 'text').length : 0;
}

/**
 * Plays `turns` in order. A turn starts at the step where the previous turns'
 * tool calls leave the conversation (so with one call per turn, turn i plays at
 * step i); past the end it answers `finalText`. A turn that calls no tool ends
 * the exchange, so only the last turn may be text-only or a fault: anything after
 * one could never play, and that is rejected here rather than silently skipped.
 */
export function sequenceScript(turns: readonly Reply[], finalText = 'Done.'): Script {
  const starts: number[] = [];
  let step = 0;
  turns.forEach((turn, index) => {
    const consumed = stepsConsumed(turn);
    if (consumed === 0 && index < turns.length - 1) {
      throw new Error(`sequenceScript: turn ${index} calls no tool, so turns ${index + 1}..${turns.length - 1} could never play`);
    }
    starts.push(step);
    step += consumed;
  });
  return (turn) => {
    const index = starts.indexOf(turn.step);
    const found = index === -1 ? undefined : turns[index];
    if (found !== undefined) {
      return found;
    }
    if (turn.step < step) {
      // The client answered only some of one turn's calls; replaying or skipping would both hide that.
      throw new Error(`sequenceScript: step ${turn.step} falls inside a turn (turns start at steps ${starts.join(', ')})`);
    }
    return textReply(finalText);
  };
}
