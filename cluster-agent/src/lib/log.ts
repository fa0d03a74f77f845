/**
 * JSON-lines logger for the cluster-agent: one object per line on
 * stdout with `ts`, `level`, `msg`, `component` and the context fields
 * (`clusterId`, `runId`, …). The only module allowed to use `console`.
 *
 * Fields whose key looks like a credential are replaced with "[redacted]" so a
 * careless `log.info('x', { token })` never leaks a bearer token.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A child logger that adds `fields` to every line. */
  with(fields: LogFields): Logger;
}

export interface ContextLogger extends Logger {
  /** Add fields to every later line of this logger and its children (e.g. `clusterId` after welcome). */
  setContext(fields: LogFields): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where a finished line goes; defaults to stdout. */
  write?: (line: string) => void;
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /token|authorization|password|secret|kubeconfig|credential/i;

/** Errors serialise to nothing with JSON.stringify; keep their useful parts. */
function toLoggable(value: unknown, depth = 0): unknown {
  if (value instanceof Error) {
    const out: LogFields = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'number' || typeof code === 'string') {
      out.code = code;
    }
    if (value.cause !== undefined && depth < 3) {
      out.cause = toLoggable(value.cause, depth + 1);
    }
    return out;
  }
  return value;
}

function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_KEY.test(key) ? '[redacted]' : toLoggable(value);
  }
  return out;
}

function writeStdout(line: string): void {
  console.log(line);
}

/**
 * @example
 * const log = createLogger({ level: 'info' }).with({ component: 'dispatcher' });
 * log.info('run claimed', { runId });
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? writeStdout;
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, bound: LogFields, fields: LogFields | undefined): void => {
    if (RANK[level] < threshold) {
      return;
    }
    const record = { ts: now().toISOString(), level, msg, ...redact({ ...bound, ...fields }) };
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch (error) {
      // A cyclic or BigInt field must not take the agent down; log what we can.
      line = JSON.stringify({ ts: record.ts, level, msg, logError: String(error) });
    }
    write(line);
  };

  const child = (bound: LogFields): Logger => ({
    debug: (msg, fields) => emit('debug', msg, bound, fields),
    info: (msg, fields) => emit('info', msg, bound, fields),
    warn: (msg, fields) => emit('warn', msg, bound, fields),
    error: (msg, fields) => emit('error', msg, bound, fields),
    with: (fields) => child({ ...bound, ...fields }),
  });

  return child({});
}

/** Wrap any logger so context set later (the cluster id) appears on every line. */
export function withMutableContext(base: Logger): ContextLogger {
  let context: LogFields = {};
  const child = (bound: LogFields): Logger => ({
    debug: (msg, fields) => base.debug(msg, { ...context, ...bound, ...fields }),
    info: (msg, fields) => base.info(msg, { ...context, ...bound, ...fields }),
    warn: (msg, fields) => base.warn(msg, { ...context, ...bound, ...fields }),
    error: (msg, fields) => base.error(msg, { ...context, ...bound, ...fields }),
    with: (fields) => child({ ...bound, ...fields }),
  });
  return {
    ...child({}),
    setContext(fields) {
      context = { ...context, ...fields };
    },
  };
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}
