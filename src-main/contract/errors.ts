// Errors that cross process boundaries keep their code. The store and the
// service throw these; serve mode maps the code to an HTTP status once
// (HTTP_STATUS), the desktop app's IPC hop carries it in a reply envelope
// (ipc-reply.ts), and the CLI maps the field to the flag the user typed.
// No Node imports: the renderer reads these too.

export const ERROR_CODES = ['invalid', 'not_found', 'ambiguous', 'conflict', 'unauthorized', 'internal'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const HTTP_STATUS: Record<ErrorCode, 400 | 401 | 404 | 409 | 500> = {
  invalid: 400,
  ambiguous: 400,
  not_found: 404,
  conflict: 409,
  unauthorized: 401,
  internal: 500,
};

/** What an error looks like on the wire. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** The input field at fault (a config key or API argument), when there is one. */
  field?: string;
  /** For an ambiguous run-id prefix: the ids it matches. */
  candidates?: string[];
}

export class AppError extends Error {
  readonly field?: string;
  readonly candidates?: string[];
  constructor(
    readonly code: ErrorCode,
    message: string,
    extra: { field?: string; candidates?: string[] } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.field = extra.field;
    this.candidates = extra.candidates;
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}), ...(this.candidates ? { candidates: this.candidates } : {}) };
  }

  /** The same error, blamed on an input field ("sourceRunId: no run with id …"). */
  forField(field: string): AppError {
    const code = this.code === 'not_found' ? 'invalid' : this.code; // a bad reference in an input is bad input
    return new AppError(code, `${field}: ${this.message}`, { field, candidates: this.candidates });
  }

  static fromBody(b: Partial<ErrorBody> | undefined, fallback: string): AppError {
    const code = (ERROR_CODES as readonly string[]).includes(String(b?.code)) ? (b!.code as ErrorCode) : 'internal';
    return new AppError(code, b?.message ?? fallback, { field: b?.field, candidates: b?.candidates });
  }
}

/** Bad input: a config value, an argument. `message` starts with the field ("temperature: must be …"). */
export class ValidationError extends AppError {
  constructor(message: string, field?: string) {
    super('invalid', message, { field: field ?? /^([A-Za-z][\w.]*):/.exec(message)?.[1] });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

export class AmbiguousIdError extends AppError {
  constructor(prefix: string, candidates: string[]) {
    super('ambiguous', `run id "${prefix}" is ambiguous: it matches ${candidates.join(', ')}; type more characters`, { candidates });
    this.name = 'AmbiguousIdError';
  }
}

export class ConflictError extends AppError {
  constructor(message: string, field?: string) {
    super('conflict', message, { field });
    this.name = 'ConflictError';
  }
}

/** Any thrown value as an AppError; unknown failures become `internal`. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  if (e instanceof RangeError) return new AppError('invalid', e.message);
  return new AppError('internal', (e as Error)?.message ?? String(e));
}
