// Electron main process: one window, a sandboxed renderer, and a typed IPC
// API. The database and the jobs live in a service host: `distillery serve`
// run by the system's Node.js, not inside Electron. Why: better-sqlite3 is a
// native module built for Node's ABI by `npm install`; loading it in
// Electron would need a rebuild for Electron's ABI, which would then break
// the CLI that shares node_modules (and needs a download offline users
// don't have). The host is the same code serve mode runs, so the app, serve
// mode and the CLI behave identically. Main validates every IPC payload
// with the contract's schemas before forwarding it.
import { app, BrowserWindow, ipcMain, session, shell, type IpcMainInvokeEvent } from 'electron';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_INPUTS, type ApiEvent } from '../contract/api.js';
import { replyFromHttp, type IpcReply } from '../contract/ipc-reply.js';
import { zodToValidation } from '../contract/jobs.js';

app.setName('Distillery');
const ROOT = join(__dirname, '../..');
const boundsFile = () => join(app.getPath('userData'), 'window.json');

interface Host {
  proc: ChildProcess;
  base: string;
  token: string;
}
let host: Host | undefined;
let win: BrowserWindow | undefined;

/**
 * Starts `distillery serve` on a free loopback port with a fresh token and
 * waits for its address. The host picks the data folder like the CLI does
 * ($DISTILLERY_DATA_DIR, else this app's userData folder), so both share it.
 */
function startHost(): Promise<Host> {
  const token = randomBytes(24).toString('base64url');
  const node = process.env.DISTILLERY_NODE ?? 'node';
  const proc = spawn(node, [join(ROOT, 'bin/distillery.mjs'), '--json', 'serve', '--port', '0', '--token', token], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.on('error', (e) => reject(new Error(`could not start the Distillery service with "${node}": ${e.message}. Is Node.js 20+ on your PATH?`)));
    proc.on('exit', (code) => reject(new Error(`the Distillery service exited (code ${code}) before it was ready`)));
    proc.stdout!.on('data', (c) => {
      out += c;
      try {
        const info = JSON.parse(out) as { port: number };
        resolve({ proc, token, base: `http://127.0.0.1:${info.port}` });
      } catch {
        /* wait for the whole JSON document */
      }
    });
  });
}

async function forward(method: string, payload: unknown): Promise<IpcReply> {
  const res = await fetch(`${host!.base}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host!.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(payload ?? {}),
  });
  return replyFromHttp(res.status, await res.json().catch(() => null));
}

/** Relays the host's server-sent events to the window as IPC events. */
async function relayEvents(): Promise<void> {
  for (;;) {
    try {
      const res = await fetch(`${host!.base}/api/events`, { headers: { authorization: `Bearer ${host!.token}` } });
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const chunk = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event === 'batch' && data) for (const e of JSON.parse(data) as ApiEvent[]) win?.webContents.send('distillery:event', e);
        }
      }
    } catch {
      /* host restarting or gone; retry below */
    }
    if (!host || host.proc.exitCode !== null) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function isOurWindow(e: IpcMainInvokeEvent): boolean {
  return !!win && e.sender === win.webContents && e.senderFrame === win.webContents.mainFrame;
}

function registerIpc(): void {
  ipcMain.handle('distillery:call', async (e, method: unknown, payload: unknown) => {
    // Never throw across IPC: Electron would flatten the error and drop its code.
    if (!isOurWindow(e)) return { ok: false, error: { code: 'unauthorized', message: 'refused: IPC from an unknown sender' } } satisfies IpcReply;
    if (typeof method !== 'string' || !Object.hasOwn(API_INPUTS, method)) return { ok: false, error: { code: 'not_found', message: `no API method "${String(method)}"` } } satisfies IpcReply;
    const parsed = API_INPUTS[method as keyof typeof API_INPUTS].safeParse(payload ?? {});
    if (!parsed.success) return { ok: false, error: zodToValidation(parsed.error).toBody() } satisfies IpcReply;
    try {
      return await forward(method, parsed.data);
    } catch (err) {
      return { ok: false, error: { code: 'internal', message: `the Distillery service did not answer: ${(err as Error).message}` } } satisfies IpcReply;
    }
  });
}

function loadBounds(): { width: number; height: number; x?: number; y?: number } {
  try {
    return JSON.parse(readFileSync(boundsFile(), 'utf8'));
  } catch {
    return { width: 1280, height: 820 };
  }
}

function createWindow(): void {
  const b = loadBounds();
  win = new BrowserWindow({
    ...b,
    minWidth: 1024,
    minHeight: 700,
    title: 'Distillery',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('close', () => {
    if (win) writeFileSync(boundsFile(), JSON.stringify(win.getNormalBounds()));
  });
  // No navigation away from the app and no new windows; external links open in the browser.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:/.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void win.loadFile(join(__dirname, '../renderer/index.html'));
}

app.whenReady().then(async () => {
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': ["default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'"] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  try {
    host = await startHost();
  } catch (e) {
    const { dialog } = await import('electron');
    dialog.showErrorBox('Distillery could not start', (e as Error).message);
    app.quit();
    return;
  }
  registerIpc();
  createWindow();
  void relayEvents();
});

app.on('window-all-closed', () => app.quit());
app.on('before-quit', () => {
  // SIGINT makes the host cancel its jobs (they save their weights) and exit.
  host?.proc.kill('SIGINT');
});
