// Where the end-to-end bodies run: serve mode in Debian's Chromium, or the
// Electron app when its binary is present. Each target gives a Page that
// shows the workbench; the bodies (workbench.ts) don't know which.
import { chromium, _electron, type Browser, type ElectronApplication, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Service } from '../src-main/service/service.js';
import { startServer, type RunningServer } from '../src-main/serve/server.js';
import { PROJECT_ROOT, RENDERER_DIR } from '../src-main/serve/renderer-build.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = join(PROJECT_ROOT, 'test-results', 'e2e');
mkdirSync(ARTIFACTS, { recursive: true });

export interface Target {
  name: string;
  page: Page;
  /** Base URL with token (serve mode only). */
  url?: string;
  server?: RunningServer;
  /** The data folder the app uses, for writing to it from "another process". */
  dataDir: string;
  close(): Promise<void>;
}

export function chromiumMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found (install Debian's chromium package, or set CHROMIUM_PATH)`;
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) return 'the renderer is not built (npm test builds it; or run npm run build)';
  return null;
}

/** Serve mode on a fresh workspace, or on `dataDir` (e.g. a copy of the shared fixture). */
export async function serveTarget(dataDir = mkdtempSync(join(tmpdir(), 'distillery-e2e-'))): Promise<Target> {
  const svc = new Service(dataDir);
  const server = await startServer(svc, { host: '127.0.0.1', port: 0, staticDir: RENDERER_DIR });
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await page.goto(server.url);
  return {
    name: 'serve',
    page,
    dataDir,
    url: server.url,
    server,
    close: async () => {
      await browser.close();
      svc.runner.killAll();
      await server.close();
      svc.close();
    },
  };
}

/**
 * Why the Electron project cannot run here, or null when it can. Looks for
 * the binary without require('electron'): that require starts a download
 * when the binary is missing, and tests must not reach the network.
 */
export function electronMissing(): string | null {
  const pkg = join(PROJECT_ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return 'the Electron binary is not installed (node_modules/electron/path.txt is missing: its download did not run or failed)';
  const bin = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? null : `the Electron binary ${bin} is missing`;
}

export function electronBinary(): string {
  const pkg = join(PROJECT_ROOT, 'node_modules', 'electron');
  return join(pkg, 'dist', readFileSync(join(pkg, 'path.txt'), 'utf8').trim());
}

export async function electronTarget(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'distillery-e2e-electron-'));
  const app: ElectronApplication = await _electron.launch({
    executablePath: electronBinary(),
    args: [PROJECT_ROOT],
    env: { ...process.env, DISTILLERY_NODE: process.execPath, DISTILLERY_DATA_DIR: dataDir },
  });
  const page = await app.firstWindow();
  return { name: 'electron', page, dataDir, close: () => app.close() };
}
