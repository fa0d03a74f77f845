/**
 * Git's own smart HTTP server, `git http-backend`, run as a CGI program per
 * request: the request body streams into it, its `Status:` and other CGI
 * headers become the HTTP status and headers, and the rest streams back out.
 * Packs are never buffered here, so pushes of any size work.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gitEnv } from './git-command.ts';

export interface CgiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  projectRoot: string;
  /** `/<owner>/<name>.git/<info/refs | git-upload-pack | git-receive-pack>` */
  pathInfo: string;
  query: string;
  /** Who the backend records as pusher (reflogs). */
  remoteUser: string;
}

export interface GitCgi {
  /** Resolves with the status sent once the answer is complete. */
  run(input: CgiRequest): Promise<number>;
  /** Stops every backend still running, so the repositories can be removed. */
  close(): Promise<void>;
}

interface CgiHead {
  status: number;
  headers: Record<string, string>;
}

function parseHead(text: string): CgiHead {
  const headers: Record<string, string> = {};
  let status = 200;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      continue;
    }
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      status = Number.parseInt(value, 10) || 500;
    } else {
      headers[name] = value;
    }
  }
  return { status, headers };
}

/** The end of the CGI header block: index of the body's first byte and of the separator. */
function headEnd(buffer: Buffer): { head: number; body: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) {
    return { head: crlf, body: crlf + 4 };
  }
  return lf >= 0 ? { head: lf, body: lf + 2 } : undefined;
}

function cgiEnv(input: CgiRequest): Record<string, string> {
  const { req } = input;
  const optional: Record<string, string | string[] | undefined> = {
    CONTENT_TYPE: req.headers['content-type'],
    // A chunked body has no length; the backend then reads to the end of its input.
    CONTENT_LENGTH: req.headers['content-length'],
    // Clients gzip large negotiation requests; the backend inflates them.
    HTTP_CONTENT_ENCODING: req.headers['content-encoding'],
    // Protocol v2, which clients ask for in this header.
    HTTP_GIT_PROTOCOL: req.headers['git-protocol'],
  };
  return gitEnv({
    GIT_PROJECT_ROOT: input.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: input.pathInfo,
    QUERY_STRING: input.query,
    REQUEST_METHOD: req.method ?? 'GET',
    REMOTE_USER: input.remoteUser,
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    ...Object.fromEntries(Object.entries(optional).filter((e): e is [string, string] => typeof e[1] === 'string')),
  });
}

export function createGitCgi(): GitCgi {
  /** Each backend still running, with the promise of its exit. */
  const running = new Map<ChildProcess, Promise<void>>();

  const run = (input: CgiRequest): Promise<number> =>
    new Promise((resolve) => {
      const { req, res } = input;
      // Access was checked before this runs, so receive-pack is on for every repository.
      const child = spawn('git', ['-c', 'http.receivepack=true', '-c', 'http.uploadpack=true', 'http-backend'], { env: cgiEnv(input) as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
      running.set(child, new Promise((done) => child.once('close', () => done())));
      const stderr: Buffer[] = [];
      let pending: Buffer = Buffer.alloc(0);
      let head: CgiHead | undefined;
      // A slow reader (a big clone) holds the backend back instead of filling memory.
      const send = (chunk: Buffer): void => {
        if (!res.write(chunk)) {
          child.stdout.pause();
          res.once('drain', () => child.stdout.resume());
        }
      };
      const fail = (message: string): void => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        }
        res.end(message);
      };
      // The backend may stop reading early (a refused service); its answer still says why.
      child.stdin.on('error', (): void => undefined);
      req.pipe(child.stdin);
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.stdout.on('data', (chunk: Buffer) => {
        if (head !== undefined) {
          send(chunk);
          return;
        }
        pending = Buffer.concat([pending, chunk]);
        const end = headEnd(pending);
        if (end === undefined) {
          return;
        }
        head = parseHead(pending.subarray(0, end.head).toString('latin1'));
        res.writeHead(head.status, head.headers);
        send(pending.subarray(end.body));
      });
      let settled = false;
      const finish = (status: number): void => {
        if (!settled) {
          settled = true;
          running.delete(child);
          resolve(status);
        }
      };
      child.on('error', (err) => {
        fail(`git http-backend could not start: ${err.message}`);
        finish(500);
      });
      child.on('close', (code) => {
        if (head === undefined) {
          fail(`git http-backend exited ${code ?? 'on a signal'} without an answer: ${Buffer.concat(stderr).toString('utf8')}`);
          finish(500);
          return;
        }
        res.end();
        finish(head.status);
      });
      // The client went away mid-answer: nothing will read the rest.
      res.on('close', () => {
        if (running.has(child)) {
          child.kill();
        }
      });
    });

  return {
    run,
    async close() {
      const exits = [...running.values()];
      for (const child of running.keys()) {
        child.kill();
      }
      await Promise.all(exits);
    },
  };
}
