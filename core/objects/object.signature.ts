import { sameMac, sign } from '../signing/hmac.ts';

/** What a signed object URL grants: one operation on one key until `exp` (epoch seconds). */
export interface ObjectGrant {
  op: 'get' | 'put';
  key: string;
  exp: number;
  /** Upload limit in bytes (put only). */
  max?: number;
  /** The exact content type an upload must carry (put only). */
  ct?: string;
}

/** Why a signed URL was refused; only for logs, the client sees one INVALID_SIGNATURE. */
export type SignatureFailure = 'missing' | 'malformed' | 'wrong-op' | 'bad-signature' | 'expired';

function hmac(secret: string, g: ObjectGrant): string {
  const fields = [g.op, g.key, String(g.exp), g.max === undefined ? '' : String(g.max), g.ct ?? ''];
  return sign(secret, 'foryou-object-v1', fields, 'hex');
}

/** The key as a URL path, each segment percent-encoded so the route decodes it back exactly. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

/** `${publicBaseUrl}/objects/<key>?op=…&exp=…[&max=…&ct=…]&sig=…`, signed with HMAC-SHA256. */
export function signObjectUrl(publicBaseUrl: string, secret: string, grant: ObjectGrant): string {
  const q = new URLSearchParams({ op: grant.op, exp: String(grant.exp) });
  if (grant.max !== undefined) q.set('max', String(grant.max));
  if (grant.ct !== undefined) q.set('ct', grant.ct);
  q.set('sig', hmac(secret, grant));
  return `${publicBaseUrl.replace(/\/+$/, '')}/objects/${encodeKeyPath(grant.key)}?${q}`;
}

const INT = /^(0|[1-9]\d{0,15})$/;

/**
 * Checks a signed object URL's query against the decoded `key`, the operation the request performs and
 * the time `nowMs`. Pure: no I/O, no clock of its own. Returns the grant when valid.
 */
export function verifyObjectSignature(input: {
  secret: string;
  key: string;
  op: 'get' | 'put';
  query: Readonly<Record<string, unknown>>;
  nowMs: number;
}): { ok: true; grant: ObjectGrant } | { ok: false; reason: SignatureFailure } {
  const { op, exp, max, ct, sig } = input.query;
  if (typeof op !== 'string' || typeof exp !== 'string' || typeof sig !== 'string') {
    return { ok: false, reason: 'missing' };
  }
  if (op !== input.op) return { ok: false, reason: 'wrong-op' };
  if (!INT.test(exp) || (max !== undefined && (typeof max !== 'string' || !INT.test(max)))) {
    return { ok: false, reason: 'malformed' };
  }
  if (ct !== undefined && typeof ct !== 'string') return { ok: false, reason: 'malformed' };
  if (!/^[0-9a-f]{64}$/.test(sig)) return { ok: false, reason: 'malformed' };
  const grant: ObjectGrant = { op: input.op, key: input.key, exp: Number(exp) };
  if (max !== undefined) grant.max = Number(max);
  if (ct !== undefined) grant.ct = ct;
  if (!sameMac(hmac(input.secret, grant), sig)) return { ok: false, reason: 'bad-signature' };
  // Checked after the signature so a forged URL never learns whether its expiry was plausible.
  if (grant.exp * 1000 <= input.nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, grant };
}
