/**
 * The only reader of `import.meta.env`. The console needs no
 * build-time URLs: the edge serves it on the same origin, so API and socket
 * paths are relative.
 */
export type ConsoleEnv = {
  /** `vite` dev server or a development build: verbose logging. */
  readonly dev: boolean;
  readonly mode: string;
};

export const env: ConsoleEnv = Object.freeze({
  dev: import.meta.env.DEV,
  mode: import.meta.env.MODE,
});
