// The API over HTTP (serve mode): POST /api/<method> with JSON, live events
// as server-sent events. Authenticated by the cookie serve mode set when the
// page was opened with its token.
import { API_INPUTS, type ApiEvent, type ApiMethod, type DistilleryApi } from '../../src-main/contract/api.js';
import { AppError, type ErrorBody } from '../../src-main/contract/errors.js';

/** An API error with its code (from the body) and the HTTP status it came with. */
export class HttpApiError extends AppError {
  constructor(
    body: Partial<ErrorBody> | undefined,
    readonly status: number,
  ) {
    const e = AppError.fromBody(body, `HTTP ${status}`);
    super(e.code, e.message, { field: e.field, candidates: e.candidates });
  }
}

export function createHttpClient(base = '', fetchFn: typeof fetch = (...a) => fetch(...a)): DistilleryApi {
  const call = (method: ApiMethod) => async (input: unknown) => {
    const res = await fetchFn(`${base}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(input ?? {}),
    });
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new HttpApiError(body?.error, res.status);
    return body;
  };
  const methods = Object.keys(API_INPUTS) as ApiMethod[];
  const api = Object.fromEntries(methods.map((m) => [m, call(m)])) as unknown as DistilleryApi;
  api.subscribe = (listener) => {
    const source = new EventSource(`${base}/api/events`);
    source.addEventListener('batch', (e) => {
      for (const ev of JSON.parse((e as MessageEvent).data) as ApiEvent[]) listener(ev);
    });
    // After a reconnect, whatever happened meanwhile must be refetched.
    source.addEventListener('hello', () => listener({ type: 'changed' }));
    return () => source.close();
  };
  return api;
}
