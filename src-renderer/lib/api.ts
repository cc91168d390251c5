// Picks the host's API: the Electron preload's `window.distillery`, or HTTP
// when the page is served by `distillery serve`. Views only see DistilleryApi.
import { API_INPUTS, type DistilleryApi } from '../../src-main/contract/api.js';
import { unwrapReply, type IpcReply } from '../../src-main/contract/ipc-reply.js';
import { createHttpClient } from './http-client.js';

export type Host = 'electron' | 'http';

export function pickApi(win: { distillery?: DistilleryApi } = globalThis as never): { host: Host; api: DistilleryApi } {
  if (win.distillery && typeof win.distillery.listRuns === 'function') return { host: 'electron', api: unwrapPreload(win.distillery) };
  return { host: 'http', api: createHttpClient('') };
}

const picked = typeof window === 'undefined' ? undefined : pickApi(window as never);
export const api = picked?.api as DistilleryApi;
export const host = picked?.host;

/** The preload's methods answer IpcReply envelopes; this turns them back into values or AppErrors with their code. */
export function unwrapPreload(raw: DistilleryApi): DistilleryApi {
  const call = raw as unknown as Record<string, (input: unknown) => Promise<IpcReply>>;
  const api = Object.fromEntries(Object.keys(API_INPUTS).map((m) => [m, async (input: unknown) => unwrapReply(await call[m](input))])) as unknown as DistilleryApi;
  api.subscribe = (listener) => raw.subscribe(listener);
  return api;
}
