// Picks the host's API: the Electron preload's `window.distillery`, or HTTP
// when the page is served by `distillery serve`. Views only see DistilleryApi.
import type { DistilleryApi } from '../../src-main/contract/api.js';
import { createHttpClient } from './http-client.js';

export type Host = 'electron' | 'http';

export function pickApi(win: { distillery?: DistilleryApi } = globalThis as never): { host: Host; api: DistilleryApi } {
  if (win.distillery && typeof win.distillery.listRuns === 'function') return { host: 'electron', api: win.distillery };
  return { host: 'http', api: createHttpClient('') };
}

const picked = typeof window === 'undefined' ? undefined : pickApi(window as never);
export const api = picked?.api as DistilleryApi;
export const host = picked?.host;
