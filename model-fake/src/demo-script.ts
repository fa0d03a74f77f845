/**
 * The script `npm start` runs: what a stageline run looks like from the model's
 * side, with a change a person can see in the repository afterwards.
 */
import type { Script } from './script.ts';
import { sequenceScript, steps } from './script.ts';

export interface DemoScriptOptions {
  /** The MCP server whose tools are called; default `stageline`. */
  server?: string;
  /** File in the working directory that gets a dated line; default `CHANGELOG.md`. */
  file?: string;
  /** Date written into the line (YYYY-MM-DD); default today, fixed when the script is made. */
  date?: string;
}

/** POSIX single-quoting, so any file name or text is one literal shell word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

export function demoScript(options: DemoScriptOptions = {}): Script {
  const server = options.server ?? 'stageline';
  const file = options.file ?? 'CHANGELOG.md';
  const date = options.date ?? new Date().toISOString().slice(0, 10);
  const line = `- ${date}: scripted model demo run`;
  return sequenceScript(
    [
      steps({ type: 'tool', server, name: 'run_context', args: {} }),
      steps({ type: 'tool', server, name: 'run_status_report', args: { text: `Read the run context; appending a line to ${file}.` } }),
      // One command, no here-doc: both CLIs run it as given.
      steps({ type: 'shell', command: `printf '%s\\n' ${shellQuote(line)} >> ${shellQuote(file)}`, description: `Append a dated line to ${file}` }),
    ],
    `Appended "${line}" to ${file}.`,
  );
}
