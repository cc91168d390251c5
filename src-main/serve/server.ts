// Serve mode: the service behind HTTP on 127.0.0.1 with a random access
// token, serving the built renderer, with server-sent events for live
// updates. For headless GPU boxes (reached through an SSH tunnel) and for
// testing the UI in a plain browser.
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ApiErrorBody, ApiEvent } from '../contract/api.js';
import { HTTP_STATUS, toAppError } from '../contract/errors.js';
import { dispatch } from '../service/api-handlers.js';
import type { Service } from '../service/service.js';

export const TOKEN_COOKIE = 'distillery_token';
const HEARTBEAT_MS = 15_000;

/** Renderer CSP: no inline scripts, no remote anything; only this origin. */
export const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export interface ServeOptions {
  token?: string;
  /** Folder with the built renderer (index.html). */
  staticDir: string;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}


export function createApp(svc: Service, opts: ServeOptions & { token: string }): Hono {
  const app = new Hono();
  const unauthorized = (c: Context) =>
    c.json<ApiErrorBody>({ error: { code: 'unauthorized', message: 'missing or wrong access token: open the URL that `distillery serve` printed' } }, 401);

  app.use('*', async (c, next) => {
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    const query = c.req.query('token');
    if (sameToken(bearer, opts.token) || sameToken(getCookie(c, TOKEN_COOKIE), opts.token)) return next();
    if (sameToken(query, opts.token)) {
      // Trade the token in the URL for a cookie, and drop it from the address bar.
      setCookie(c, TOKEN_COOKIE, opts.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(url.pathname + url.search + url.hash, 302);
    }
    return unauthorized(c);
  });

  app.post('/api/:method', async (c) => {
    let body: unknown = {};
    const text = await c.req.text();
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return c.json<ApiErrorBody>({ error: { code: 'invalid', message: 'request body is not valid JSON' } }, 400);
      }
    }
    try {
      return c.json((await dispatch(svc, c.req.param('method'), body)) ?? null);
    } catch (e) {
      const err = toAppError(e);
      return c.json<ApiErrorBody>({ error: err.toBody() }, HTTP_STATUS[err.code]);
    }
  });

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: ApiEvent[] = [];
      let wake: (() => void) | undefined;
      const onEvent = (e: ApiEvent) => {
        queue.push(e);
        wake?.();
      };
      svc.on('api', onEvent);
      let open = true;
      stream.onAbort(() => {
        open = false;
        wake?.();
      });
      try {
        await stream.writeSSE({ event: 'hello', data: '{}' });
        while (open) {
          if (queue.length === 0) {
            await new Promise<void>((resolve) => {
              wake = resolve;
              setTimeout(resolve, HEARTBEAT_MS);
            });
            wake = undefined;
            if (queue.length === 0 && open) await stream.writeSSE({ event: 'ping', data: '{}' });
            continue;
          }
          const batch = queue.splice(0, queue.length);
          await stream.writeSSE({ event: 'batch', data: JSON.stringify(batch) });
        }
      } finally {
        svc.off('api', onEvent);
      }
    }),
  );

  const index = join(opts.staticDir, 'index.html');
  const html = (c: Context) => {
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Cache-Control', 'no-store');
    return c.html(readFileSync(index, 'utf8'));
  };
  app.get('/', html);
  app.use('/*', serveStatic({ root: relative(process.cwd(), opts.staticDir) || '.' }));
  app.get('*', html); // client-side routes
  return app;
}

export interface RunningServer {
  url: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

export function rendererMissing(staticDir: string): boolean {
  return !existsSync(join(staticDir, 'index.html'));
}

export async function startServer(svc: Service, opts: ServeOptions & { host: string; port: number }): Promise<RunningServer> {
  const token = opts.token ?? newToken();
  const app = createApp(svc, { ...opts, token });
  svc.watchExternalChanges();
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
    s.on('error', reject);
  });
  // Build the runs list's cache (Store.listRuns) while the window is still loading, so its first
  // listRuns is a warm one (a cold listing of 10,000 runs takes a few hundred ms).
  setImmediate(() => {
    try {
      svc.listRuns();
    } catch {
      // the window's own listRuns will report it
    }
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const shownHost = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    token,
    port,
    close: () =>
      new Promise((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
