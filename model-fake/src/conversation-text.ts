/** Reading text out of either provider's content parts, and telling the prompt from context the CLIs inject. */
import type { ToolOutput } from './script.ts';

/** What the server needs from a request, whichever provider's format it is in. */
export interface ConversationReading {
  /** Tool outputs / tool results already in the conversation. */
  step: number;
  outputs: ToolOutput[];
  firstUserText: string;
  /** Side requests (titles, summaries, quota checks) offer no tools and never reach the script. */
  hasTools: boolean;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Text parts (`input_text`, `output_text`, `text`) of a string-or-parts content, in order. */
export function textParts(content: unknown): string[] {
  if (typeof content === 'string') {
    return [content];
  }
  return asArray(content).flatMap((part) => (isRecord(part) && typeof part.text === 'string' ? [part.text] : []));
}

/** A tool output as text: strings as they are, content parts joined, anything else as JSON. */
export function outputText(output: unknown): string {
  if (typeof output === 'string') {
    return output;
  }
  if (Array.isArray(output)) {
    return textParts(output).join('\n');
  }
  return output === undefined ? '' : JSON.stringify(output);
}

/**
 * Codex sends its environment, permissions and AGENTS.md as user messages, and
 * Claude Code prefixes the prompt with `<system-reminder>` parts; a script wants
 * the prompt itself.
 */
const INJECTED_PREFIXES = ['<environment_context>', '<user_instructions>', '<permissions instructions>', '# AGENTS.md instructions', '<system-reminder>', '<command-name>', '<local-command-stdout>'];

export function isInjectedContext(text: string): boolean {
  const trimmed = text.trimStart();
  return INJECTED_PREFIXES.some((prefix) => trimmed.startsWith(prefix));
}

/** The first user message that is more than injected context, as text. */
export function firstPromptText(userContents: readonly unknown[]): string {
  for (const content of userContents) {
    const parts = textParts(content).filter((text) => !isInjectedContext(text));
    if (parts.length > 0) {
      return parts.join('\n');
    }
  }
  return '';
}

/** A rough token count (4 characters a token) so usage figures are plausible and deterministic. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}
