import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DistilleryApi } from '../../src-main/contract/api.js';
import { pickApi } from './api.js';
import { createHttpClient, HttpApiError } from './http-client.js';

test('the Electron preload API is used when the window has one', () => {
  const preload = { listRuns: async () => [] } as unknown as DistilleryApi;
  const picked = pickApi({ distillery: preload });
  assert.equal(picked.host, 'electron');
  assert.equal(picked.api, preload);
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
