/** A non-2xx answer of the API, with the server's stable error code (docs/errors.md). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: unknown;
  /** The server's own message, for showing to a person (`message` adds the status and code). */
  readonly serverMessage: string;
  constructor(status: number, code: string, message: string, requestId?: string, details?: unknown) {
    super(`${status} ${code}: ${message}`);
    this.name = 'ApiError';
    this.serverMessage = message;
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.details = details;
  }
}

/** The request never got an answer (refused connection, reset, timeout) after every retry. */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}
