/**
 * Every error the API can answer with: a stable code, its HTTP status and a default message.
 * Domain code throws `AppError('CODE')`; only the HTTP layer turns a code into a status.
 * `docs/errors.md` documents each code (a test fails when one is missing).
 */
export const errorRegistry = {
  VALIDATION_FAILED: { status: 400, message: 'The request is invalid; see details.' },
  ACTION_NOT_APPLICABLE: { status: 400, message: 'That moderation action does not apply to this kind of target.' },
  INVALID_JSON: { status: 400, message: 'The request body is not valid JSON.' },
  INVALID_MULTIPART: { status: 400, message: 'The multipart body is malformed: no boundary, or cut short.' },
  INVALID_CURSOR: { status: 400, message: 'The cursor is malformed or expired.' },
  INVALID_RANGE: { status: 416, message: 'The requested byte range cannot be satisfied.' },
  URI_TOO_LONG: { status: 414, message: 'A path parameter is too long.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  HEADERS_TOO_LARGE: { status: 431, message: 'The request line or headers are too large.' },
  MALFORMED_REQUEST: { status: 400, message: 'The HTTP request could not be parsed.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'The content type is not supported here.' },
  UNAUTHENTICATED: { status: 401, message: 'A valid bearer token is required.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The handle or password is wrong.' },
  FORBIDDEN: { status: 403, message: 'You may not do this.' },
  BLOCKED: { status: 403, message: 'There is a block between you and this user.' },
  COMMENTS_OFF: { status: 403, message: 'The author turned comments off for this video.' },
  COMMENTS_FOLLOWERS_ONLY: { status: 403, message: "Only the author's followers may comment on this video." },
  LIKES_PRIVATE: { status: 403, message: 'This user keeps their liked videos private.' },
  ACCOUNT_PRIVATE: { status: 403, message: 'This account is private: only its approved followers see this.' },
  ACCOUNT_BANNED: { status: 403, message: 'This account is banned; it may only read, sign out and appeal.' },
  INVALID_SIGNATURE: { status: 403, message: 'The signed URL is invalid or has expired.' },
  NOT_FOUND: { status: 404, message: 'No such route.' },
  USER_NOT_FOUND: { status: 404, message: 'No such user.' },
  VIDEO_NOT_FOUND: { status: 404, message: 'No such video.' },
  COMMENT_NOT_FOUND: { status: 404, message: 'No such comment.' },
  CASE_NOT_FOUND: { status: 404, message: 'No such moderation case.' },
  FOLLOW_REQUEST_NOT_FOUND: { status: 404, message: 'No such follow request.' },
  OBJECT_NOT_FOUND: { status: 404, message: 'No such object.' },
  MODEL_NOT_FOUND: { status: 404, message: 'No such model version.' },
  MODEL_GATE_FAILED: { status: 409, message: 'The candidate model is worse than production on a gate metric.' },
  MODEL_METADATA_MISMATCH: { status: 409, message: 'The model artifact does not match what the server expects.' },
  MODEL_STAGE_CONFLICT: { status: 409, message: 'The model version is already registered or in that stage.' },
  METHOD_NOT_ALLOWED: { status: 405, message: 'The method is not allowed on this route.' },
  HANDLE_TAKEN: { status: 409, message: 'That handle is already registered.' },
  CASE_CLOSED: { status: 409, message: 'The moderation case was already decided.' },
  NOT_APPEALABLE: { status: 409, message: 'Only an action taken against your content can be appealed.' },
  APPEAL_EXISTS: { status: 409, message: 'This decision was already appealed; a decision can be appealed once.' },
  VIDEO_NOT_UPLOADABLE: { status: 409, message: 'The video is not waiting for an upload.' },
  UPLOAD_MISSING: { status: 409, message: 'No uploaded file was found for this video.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the given delay.' },
  BACKEND_UNAVAILABLE: { status: 503, message: 'A backend is unavailable; retry shortly.' },
  SHUTTING_DOWN: { status: 503, message: 'The server is shutting down.' },
  OVERLOADED: { status: 503, message: 'The server is at its concurrency limit; retry after the given delay.' },
  INTERNAL: { status: 500, message: 'An unexpected error occurred.' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable, documented error code. */
export type ErrorCode = keyof typeof errorRegistry;

/** An error with a registered code; `details` is safe to show to the caller. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? errorRegistry[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = errorRegistry[code].status;
    this.details = details;
  }
}

/** True when `err` is an AppError carrying `code` (or any code when omitted). */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
