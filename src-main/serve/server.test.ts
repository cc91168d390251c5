import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseJobConfig } from '../contract/jobs.js';
import { Service } from '../service/service.js';
import { startServer, TOKEN_COOKIE } from './server.js';

const dir = mkdtempSync(join(tmpdir(), 'distillery-serve-'));
const staticDir = join(dir, 'renderer');
mkdirSync(staticDir);
writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
const svc = new Service(join(dir, 'data'));
const server = await startServer(svc, { host: '127.0.0.1', port: 0, staticDir });
const base = `http://127.0.0.1:${server.port}`;
const auth = { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' };
after(async () => {
  await server.close();
  svc.close();
});

test('every route needs the token', async () => {
  for (const [path, init] of [['/api/listRuns', { method: 'POST', body: '{}' }], ['/api/events', {}], ['/', {}], ['/assets/x.js', {}]] as const) {
    const r = await fetch(base + path, init);
    assert.equal(r.status, 401, path);
  }
  assert.equal((await fetch(`${base}/api/listRuns`, { method: 'POST', body: '{}', headers: { authorization: 'Bearer nope' } })).status, 401);
});

test('the token in the URL becomes an HttpOnly cookie and leaves the address bar', async () => {
  const r = await fetch(server.url, { redirect: 'manual' });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get('location'), '/');
  const cookie = r.headers.get('set-cookie') ?? '';
  assert.match(cookie, new RegExp(`^${TOKEN_COOKIE}=`));
  assert.match(cookie, /HttpOnly/);
  const page = await fetch(base + '/', { headers: { cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
});

test('payloads are validated: bad JSON, unknown method, bad field', async () => {
  let r = await fetch(`${base}/api/listRuns`, { method: 'POST', headers: auth, body: '{nope' });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /not valid JSON/);
  r = await fetch(`${base}/api/dropTables`, { method: 'POST', headers: auth, body: '{}' });
  assert.equal(r.status, 404);
  r = await fetch(`${base}/api/startJob`, { method: 'POST', headers: auth, body: JSON.stringify({ config: { kind: 'train', model: 'student', epochs: -3 } }) });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, /config\.epochs: must be at least 1/);
  r = await fetch(`${base}/api/getRun`, { method: 'POST', headers: auth, body: JSON.stringify({ id: 'abcdef12' }) });
  assert.equal(r.status, 404);
  r = await fetch(`${base}/api/setSettings`, { method: 'POST', headers: auth, body: JSON.stringify({ concurrency: 2 }) });
  assert.deepEqual(await r.json(), { concurrency: 2 });
  assert.equal(svc.getSettings().concurrency, 2);
});

test('server-sent events carry service events to the client', async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${base}/api/events`, { headers: auth, signal: ctrl.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('event: hello')) text += (await reader.read()).value;
  svc.emit('api', { type: 'changed' });
  while (!text.includes('event: batch')) text += (await reader.read()).value;
  assert.match(text, /data: \[\{"type":"changed"\}\]/);
  ctrl.abort();
});

test('errors keep their code: unknown id 404, ambiguous prefix 400 with the candidates, deleting a queued run 409', async () => {
  // 20 runs with random hex ids: by pigeonhole two share their first digit.
  const ids = Array.from({ length: 20 }, () => svc.store.createRun({ config: parseJobConfig({ kind: 'train', model: 'student' }), parents: [] }).id);
  const byFirst = new Map<string, string[]>();
  for (const id of ids) byFirst.set(id[0], [...(byFirst.get(id[0]) ?? []), id]);
  const [prefix, matching] = [...byFirst.entries()].find(([, v]) => v.length >= 2)!;
  const call = (method: string, body: unknown) => fetch(`${base}/api/${method}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });

  let r = await call('getRun', { id: prefix });
  assert.equal(r.status, 400);
  const amb = (await r.json()).error;
  assert.equal(amb.code, 'ambiguous');
  assert.deepEqual([...amb.candidates].sort(), [...matching].sort());

  const unknown = ids.some((id) => id.startsWith('0123456789abcdef')) ? 'fedcba9876543210' : '0123456789abcdef';
  r = await call('getRun', { id: unknown });
  assert.equal(r.status, 404);
  assert.deepEqual((await r.json()).error, { code: 'not_found', message: `no run with id "${unknown}"` });

  r = await call('deleteRuns', { ids: [ids[0]] });
  assert.equal(r.status, 409);
  assert.equal((await r.json()).error.code, 'conflict');

  // A bad reference inside a job config is bad input naming the field.
  r = await call('startJob', { config: { kind: 'prune', sourceRunId: unknown } });
  assert.equal(r.status, 400);
  assert.match((await r.json()).error.message, new RegExp(`^sourceRunId: no run with id "${unknown}"`));
});
