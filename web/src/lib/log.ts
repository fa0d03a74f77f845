/**
 * The console's logger: `Logger { debug, info, warn, error }(msg, fields)`
 * with `with()` children. The only module that touches `console`. Debug lines are
 * dropped unless the build is a development one.
 */
export type LogFields = Record<string, unknown>;

export type Logger = {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  with(fields: LogFields): Logger;
};

export type CreateLoggerOptions = { debug?: boolean; fields?: LogFields };

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const base = options.fields ?? {};
  const write = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: LogFields): void => {
    console[level](`[stageline] ${msg}`, { ...base, ...fields });
  };
  return {
    debug: (msg, fields) => {
      if (options.debug === true) {
        write('debug', msg, fields);
      }
    },
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
    with: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}
