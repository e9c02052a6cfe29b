// The one catalog of Starling's error codes: HTTP status, CLI exit code and the message shown to
// operators. docs/errors.md is checked against this table by errors.test.ts.

export interface ErrorSpec {
  status: number;
  exit: number;
  title: string;
  message: string;
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, exit: 1, title: 'Bad Request', message: 'A field of the request is invalid' },
  BAD_REQUEST: { status: 400, exit: 1, title: 'Bad Request', message: 'The request is malformed' },
  AUTH_REQUIRED: {
    status: 401,
    exit: 1,
    title: 'Unauthorized',
    message: 'The request needs a valid token in X-Auth-Token',
  },
  AUTH_FAILED: {
    status: 401,
    exit: 1,
    title: 'Unauthorized',
    message: 'The user name, password or project is wrong',
  },
  TOKEN_INVALID: {
    status: 401,
    exit: 1,
    title: 'Unauthorized',
    message: 'The token is unknown, expired or revoked',
  },
  ACCOUNT_LOCKED: {
    status: 401,
    exit: 1,
    title: 'Unauthorized',
    message: 'The user is locked after too many failed logins; try again later',
  },
  LOGIN_THROTTLED: {
    status: 429,
    exit: 1,
    title: 'Too Many Requests',
    message: 'Too many failed logins from this address; try again later',
  },
  TOKEN_NOT_FOUND: { status: 404, exit: 1, title: 'Not Found', message: 'Could not find the token' },
  FORBIDDEN: { status: 403, exit: 1, title: 'Forbidden', message: 'Your role does not allow this action' },
  NOT_FOUND: { status: 404, exit: 1, title: 'Not Found', message: 'No such resource' },
  METHOD_NOT_ALLOWED: { status: 405, exit: 1, title: 'Method Not Allowed', message: 'Method not allowed' },
  CONFLICT: { status: 409, exit: 1, title: 'Conflict', message: 'The resource already exists or is in use' },
  HOST_STATE_CONFLICT: {
    status: 409,
    exit: 1,
    title: 'Conflict',
    message: 'The host is not in a state that allows this',
  },
  HOST_NOT_LOCKED: { status: 409, exit: 1, title: 'Conflict', message: 'The host must be locked first' },
  AGENT_CHANNEL_BUSY: {
    status: 409,
    exit: 1,
    title: 'Conflict',
    message: 'The host already has a live agent channel',
  },
  NOT_AVAILABLE: { status: 501, exit: 1, title: 'Not Implemented', message: 'This action is not available on this system' },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 1, title: 'Payload Too Large', message: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    exit: 1,
    title: 'Unsupported Media Type',
    message: 'The request body must be JSON',
  },
  INTERNAL: { status: 500, exit: 1, title: 'Internal Server Error', message: 'An unexpected error happened' },
  SERVICE_UNAVAILABLE: {
    status: 503,
    exit: 1,
    title: 'Service Unavailable',
    message: 'The service is starting or stopping',
  },
  AUDIT_UNAVAILABLE: {
    status: 503,
    exit: 1,
    title: 'Audit Unavailable',
    message: 'The call could not be recorded in the audit log, so its result is not confirmed',
  },
  CONFIG_INVALID: { status: 500, exit: 1, title: 'Configuration Error', message: 'The configuration is invalid' },
  DATA_DIR_IN_USE: {
    status: 500,
    exit: 1,
    title: 'Data Folder In Use',
    message: 'Another Starling controller is running on this data folder',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    exit: 1,
    title: 'Database Unavailable',
    message: 'The database cannot be reached',
  },
  STORAGE_FULL: {
    status: 503,
    exit: 1,
    title: 'Storage Full',
    message: 'The data folder is full: changes are refused until space is freed (reads still work)',
  },
  CONNECTION_FAILED: {
    status: 503,
    exit: 1,
    title: 'Connection Failed',
    message: 'The Starling API cannot be reached',
  },
  USAGE: { status: 400, exit: 2, title: 'Usage', message: 'The command line is wrong' },
  LAB_NEEDS_ROOT: { status: 403, exit: 1, title: 'Lab Needs Root', message: 'The lab creates network namespaces: run it as root' },
  LAB_IN_USE: { status: 409, exit: 1, title: 'Lab In Use', message: 'A lab with this name, folder or address block already exists' },
  LAB_NOT_RUNNING: { status: 503, exit: 1, title: 'Lab Not Running', message: 'No lab daemon answers in this lab folder' },
  BMC_UNREACHABLE: {
    status: 503,
    exit: 1,
    title: 'BMC Unreachable',
    message: 'The board management controller does not answer',
  },
  BMC_AUTH_FAILED: {
    status: 502,
    exit: 1,
    title: 'BMC Authentication Failed',
    message: 'The board management controller refused the user name or password',
  },
  BMC_ERROR: { status: 502, exit: 1, title: 'BMC Error', message: 'The board management controller reported an error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface StarlingErrorOptions {
  /** The request field (JSON pointer or query parameter) or config key the error is about. */
  field?: string;
  cause?: unknown;
  /** Extra machine-readable facts, returned to API clients. */
  details?: Record<string, unknown>;
}

/** A typed error: the code decides the HTTP status and CLI exit code; the message is for humans. */
export class StarlingError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, options: StarlingErrorOptions = {}) {
    super(message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StarlingError';
    this.code = code;
    this.field = options.field;
    this.details = options.details;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  get exitCode(): number {
    return ERRORS[this.code].exit;
  }
}

export function isStarlingError(e: unknown): e is StarlingError {
  return e instanceof StarlingError;
}

/** The one JSON shape of every API error (Keystone's `{"error": {code, title, message}}`, extended). */
export interface ErrorBody {
  error: {
    code: number;
    title: string;
    error_code: ErrorCode;
    message: string;
    field?: string;
    details?: Record<string, unknown>;
    request_id?: string;
  };
}

export function errorBody(e: StarlingError, requestId?: string): ErrorBody {
  const spec = ERRORS[e.code];
  return {
    error: {
      code: spec.status,
      title: spec.title,
      error_code: e.code,
      message: e.message,
      ...(e.field === undefined ? {} : { field: e.field }),
      ...(e.details === undefined ? {} : { details: e.details }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
    },
  };
}
