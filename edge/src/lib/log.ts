/**
 * JSON-lines logger for the Worker and its Durable Objects.
 * Callers pass ids, never tokens, secrets or webhook bodies.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** `STAGELINE_LOG_LEVEL`; anything unknown means info. */
export function parseLogLevel(value: string | undefined): LogLevel {
  return value === 'debug' || value === 'info' || value === 'warn' || value === 'error' ? value : 'info';
}

function toJson(value: unknown): unknown {
  return value instanceof Error ? describeError(value) : value;
}

/** The verb and first table of a SQL statement ("insert webhook_deliveries"): names it without its parameters. */
export function statementName(sql: string): string {
  const m = /\b(insert\s+into|update|delete\s+from|select\b[\s\S]*?\bfrom)\s+"?([A-Za-z_][\w]*)"?/i.exec(sql);
  if (m === null) {
    return /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase() ?? 'statement';
  }
  const verb = (m[1] ?? '').split(/\s/)[0]?.toLowerCase() ?? 'statement';
  return `${verb} ${m[2] ?? ''}`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * An error as a log field: the names and the first code along its cause
 * chain, the name of the statement that failed, and a message only where it
 * cannot quote data. drizzle's query error message holds the SQL parameters
 * (a token hash, a webhook payload), and a server error's message may quote a
 * value ('invalid input syntax for type integer: "…"'), so neither is logged.
 */
export function describeError(error: Error): LogFields {
  const names: string[] = [];
  let code: string | undefined;
  let statement: string | undefined;
  let quotesData = false;
  let current: unknown = error;
  for (let depth = 0; depth < 8 && isRecord(current); depth += 1) {
    names.push(typeof current.name === 'string' ? current.name : 'Error');
    if (code === undefined && typeof current.code === 'string') {
      code = current.code;
    }
    if (typeof current.query === 'string') {
      statement ??= statementName(current.query);
      quotesData = true;
    }
    if (typeof current.code === 'string' || 'params' in current || 'detail' in current) {
      quotesData = true;
    }
    current = current.cause;
  }
  const message = quotesData ? undefined : error.message.slice(0, 200);
  return {
    name: names.join('<-'),
    ...(code === undefined ? {} : { code }),
    ...(statement === undefined ? {} : { statement }),
    ...(message === undefined || message === '' ? {} : { message }),
  };
}

export function createLogger(base: LogFields = {}, minLevel: LogLevel = 'info'): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (ORDER[level] < ORDER[minLevel]) {
      return;
    }
    const line: LogFields = { ts: new Date().toISOString(), level, msg, ...base };
    for (const [k, v] of Object.entries(fields ?? {})) {
      line[k] = toJson(v);
    }
    const text = JSON.stringify(line);
    if (level === 'error') {
      console.error(text);
    } else if (level === 'warn') {
      console.warn(text);
    } else {
      console.log(text);
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    with: (fields) => createLogger({ ...base, ...fields }, minLevel),
  };
}
