import type { IncomingMessage } from 'node:http';
import { newId } from '../../core/ids.ts';

const SAFE = /^[A-Za-z0-9._-]{8,64}$/;

/** Keeps a caller's well-formed `x-request-id` (so a trace spans proxies); otherwise makes one. */
export function requestIdFrom(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE.test(given) ? given : newId();
}
