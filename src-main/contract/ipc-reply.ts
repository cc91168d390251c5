// The desktop app's IPC hop. Electron flattens a thrown error into
// "Error invoking remote method …: Error: message" and drops its code, so the
// main process never throws across IPC: it answers with this envelope, and
// the preload turns a failure back into an AppError with its code.
import { AppError, type ErrorBody } from './errors.js';

export type IpcReply = { ok: true; value: unknown } | { ok: false; error: ErrorBody };

/** Main process: the service host's HTTP answer → the reply sent over IPC. */
export function replyFromHttp(status: number, body: unknown): IpcReply {
  if (status >= 200 && status < 300) return { ok: true, value: body };
  const err = (body as { error?: Partial<ErrorBody> } | null)?.error;
  return { ok: false, error: AppError.fromBody(err, `the Distillery service answered HTTP ${status}`).toBody() };
}

/** Preload: the reply → the value, or the error re-thrown with its code. */
export function unwrapReply(reply: IpcReply): unknown {
  if (reply.ok) return reply.value;
  throw AppError.fromBody(reply.error, 'unknown error');
}
