import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isBackendUnavailable } from '../../core/errors/backend-errors.ts';
import { AppError, type ErrorCode, errorRegistry } from '../../core/errors/registry.ts';

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; request_id: string };
}

/** Fastify's own error codes mapped onto ours, so clients only ever see registry codes. */
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_NOT_FOUND: 'NOT_FOUND',
  FST_ERR_BAD_URL: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** Turns any thrown value into a registry error; unknown failures become INTERNAL. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown[] };
  if (fe && Array.isArray(fe.validation)) {
    return new AppError('VALIDATION_FAILED', fe.message, fe.validation.map(describeIssue));
  }
  const mapped = fe?.code ? fastifyCodes[fe.code] : undefined;
  if (mapped) return new AppError(mapped, errorRegistry[mapped].message);
  if (err instanceof SyntaxError) return new AppError('INVALID_JSON');
  if (isBackendUnavailable(err)) return new AppError('BACKEND_UNAVAILABLE');
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 413) return new AppError('PAYLOAD_TOO_LARGE');
    if (fe.statusCode === 415) return new AppError('UNSUPPORTED_MEDIA_TYPE');
    return new AppError('VALIDATION_FAILED', fe.message);
  }
  return new AppError('INTERNAL');
}

function describeIssue(issue: unknown): unknown {
  if (issue && typeof issue === 'object') {
    const i = issue as { instancePath?: string; message?: string; params?: { issue?: { path?: unknown[] } } };
    const path = i.params?.issue?.path?.join('.') ?? i.instancePath ?? '';
    return { path, message: i.message };
  }
  return issue;
}

function send(reply: FastifyReply, request: FastifyRequest, e: AppError): FastifyReply {
  const body: ErrorBody = { error: { code: e.code, message: e.message, request_id: String(request.id) } };
  if (e.details !== undefined) body.error.details = e.details;
  if (e.code === 'RATE_LIMITED' && typeof e.details === 'object' && e.details && 'retry_after_s' in e.details) {
    reply.header('retry-after', String((e.details as { retry_after_s: number }).retry_after_s));
  }
  if (e.code === 'OVERLOADED') reply.header('retry-after', '1');
  if (e.code === 'BACKEND_UNAVAILABLE') reply.header('retry-after', '2');
  return reply.status(e.status).type('application/json; charset=utf-8').send(body);
}

/**
 * For fastify's `frameworkErrors` option: errors raised before routing (a malformed URL, an over-long
 * parameter) answer in the same shape as every other error.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  send(reply, request, toAppError(err));
}

/** The part of a socket `clientErrorHandler` writes to. */
export interface ClientSocket {
  writable: boolean;
  write(data: string): unknown;
  destroy(err?: Error): unknown;
}

/**
 * For fastify's `clientErrorHandler` option: a request Node's HTTP parser refuses (a request line or
 * headers over the size limit, bytes that are not HTTP) answers in the same error shape as every other
 * error, with a registry code, before the connection closes.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: ClientSocket): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy(err);
    return;
  }
  const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'MALFORMED_REQUEST';
  const { status, message } = errorRegistry[code];
  const body = JSON.stringify({ error: { code, message, request_id: randomUUID() } } satisfies ErrorBody);
  const reason = status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.write(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  socket.destroy();
}

/** Installs the error and not-found handlers: every failure answers `{ error: { code, message } }`. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const e = toAppError(err);
    if (e.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.debug({ code: e.code }, 'request rejected');
    return send(reply, request, e);
  });
  app.setNotFoundHandler((request, reply) => send(reply, request, new AppError('NOT_FOUND')));
}
