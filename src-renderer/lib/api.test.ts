import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DistilleryApi } from '../../src-main/contract/api.js';
import { AppError } from '../../src-main/contract/errors.js';
import { replyFromHttp, type IpcReply } from '../../src-main/contract/ipc-reply.js';
import { pickApi, unwrapPreload } from './api.js';
import { createHttpClient, HttpApiError } from './http-client.js';

test('the Electron preload API is used when the window has one, its replies unwrapped', async () => {
  const preload = { listRuns: async () => ({ ok: true, value: [{ id: 'ab' }] }) } as unknown as DistilleryApi;
  const picked = pickApi({ distillery: preload });
  assert.equal(picked.host, 'electron');
  assert.deepEqual(await picked.api.listRuns({}), [{ id: 'ab' }]);
});

test("the desktop client's errors keep the code and message the service host answered over HTTP", async () => {
  // What main.ts forwards: the host's HTTP status and body, turned into an IPC reply.
  const replies: Record<string, IpcReply> = {
    getRun: replyFromHttp(404, { error: { code: 'not_found', message: 'no run with id "ff"' } }),
    cancelRun: replyFromHttp(400, { error: { code: 'ambiguous', message: 'run id "a" is ambiguous: it matches a1, a2; type more characters', candidates: ['a1', 'a2'] } }),
    deleteRuns: replyFromHttp(409, { error: { code: 'conflict', message: 'ids: run(s) a1 are still queued or running; cancel them first', field: 'ids' } }),
    listRuns: replyFromHttp(502, '<html>bad gateway</html>'),
  };
  const raw = Object.fromEntries(Object.entries(replies).map(([m, r]) => [m, async () => r])) as unknown as DistilleryApi;
  const api = unwrapPreload(raw);
  await assert.rejects(api.getRun({ id: 'ff' }), (e: AppError) => e instanceof AppError && e.code === 'not_found' && e.message === 'no run with id "ff"');
  await assert.rejects(api.cancelRun({ id: 'a' }), (e: AppError) => e.code === 'ambiguous' && e.candidates?.join() === 'a1,a2' && e.message.startsWith('run id "a" is ambiguous'));
  await assert.rejects(api.deleteRuns({ ids: ['a1'] }), (e: AppError) => e.code === 'conflict' && e.field === 'ids');
  await assert.rejects(api.listRuns({}), (e: AppError) => e.code === 'internal' && /HTTP 502/.test(e.message));
});

test('without a preload API the HTTP client is used', () => {
  const picked = pickApi({});
  assert.equal(picked.host, 'http');
  assert.equal(typeof picked.api.getRun, 'function');
  assert.equal(pickApi({ distillery: {} as DistilleryApi }).host, 'http', 'an object without methods is not trusted as the API');
});

test('the HTTP client posts JSON to /api/<method> and turns error bodies into errors', async () => {
  const calls: { url: string; body: string }[] = [];
  const fake = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: String(init.body) });
    if (url.endsWith('/getRun')) return new Response(JSON.stringify({ error: { code: 'not_found', message: 'no run with id "x"' } }), { status: 404 });
    return new Response('[]', { status: 200 });
  }) as typeof fetch;
  const api = createHttpClient('http://h', fake);
  assert.deepEqual(await api.listRuns({ status: 'running' }), []);
  assert.deepEqual(calls[0], { url: 'http://h/api/listRuns', body: '{"status":"running"}' });
  await assert.rejects(api.getRun({ id: 'x' }), (e: HttpApiError) => e.status === 404 && e.code === 'not_found' && /no run with id/.test(e.message));
});
