/**
 * Schema-driven fuzzing of every route in the OpenAPI document the server publishes: each request is a
 * valid request built from the route's schemas with one thing broken (a wrong type, a missing or extra
 * field, a huge or unicode string, a boundary number, malformed JSON, a bad Authorization header, a
 * strange path or query value). Goals: no 5xx, no crash, and every 4xx in the documented error shape
 * with a stable code and no stack trace or file path.
 */
import type { ServerProcess } from '../../platform/api/testing/server-process.ts';
import { type Backend, startApi } from './processes.ts';

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  nullable?: boolean;
  anyOf?: Schema[];
};
interface Operation {
  method: string;
  path: string;
  params: { name: string; in: string; schema?: Schema; required?: boolean }[];
  body?: { type: string; schema: Schema };
}

export interface FuzzResult {
  requests: number;
  routes: number;
  status_5xx: number;
  crashes: number;
  /** 4xx answers without `error.code` in the documented shape. */
  missing_code: number;
  /** Error bodies with a stack trace or a file path. */
  leaky_bodies: number;
  statuses: Record<string, number>;
  /** The slowest answer per route, ms. */
  slowest_ms: Record<string, number>;
  samples: string[];
  duration_s: number;
}

const HUGE = 'x'.repeat(100_000);
const UNICODE = [
  '\u202eevil\u202c',
  '😀'.repeat(500),
  'a\u0000b',
  '\ud800',
  'Ω≈ç√∫',
  '\u200b\u200f',
  '../../etc/passwd',
  '%00',
  "'; DROP TABLE users; --",
  '<script>alert(1)</script>',
  '$' + '{jndi:x}',
  '__proto__',
];
const NUMBERS = [-1, 0, -0, 1.5, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, Number.MIN_VALUE, 1e21];
const RAW_BODIES = [
  '{',
  '{"a":',
  'null',
  '[]',
  '"x"',
  '1e999',
  '{"events": [',
  '\u0000',
  '{}}',
  '{"__proto__": {"x": 1}}',
  `[${'['.repeat(5000)}`,
  '',
];
const PATH_VALUES = [
  'x',
  HUGE.slice(0, 5000),
  '%2e%2e%2f',
  '..',
  '%00',
  '😀',
  '%E0%A4%A',
  ' ',
  '-1',
  '0',
  'null',
  '[object Object]',
];

function typeOf(s: Schema): string {
  if (Array.isArray(s.type)) return s.type[0] ?? 'string';
  if (s.type) return s.type;
  if (s.properties) return 'object';
  if (s.anyOf?.[0]) return typeOf(s.anyOf[0]);
  return 'string';
}

/** A value the schema accepts (or close to it: patterns are approximated). */
function valid(s: Schema, rand: () => number, pool: readonly string[]): unknown {
  if (s.enum) return s.enum[Math.floor(rand() * s.enum.length)];
  switch (typeOf(s)) {
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || rand() < 0.5) o[k] = valid(v, rand, pool);
      }
      return o;
    }
    case 'array':
      return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => valid(s.items ?? {}, rand, pool));
    case 'integer':
    case 'number': {
      const lo = s.minimum ?? 0;
      const hi = s.maximum ?? lo + 100;
      return Math.floor(lo + rand() * Math.min(hi - lo, 1000));
    }
    case 'boolean':
      return rand() < 0.5;
    default: {
      if (rand() < 0.3) return pool[Math.floor(rand() * pool.length)];
      const len = Math.max(s.minLength ?? 1, Math.min(s.maxLength ?? 12, 12));
      return Array.from({ length: len }, () => 'abcdefghij0123456789_'[Math.floor(rand() * 21)]).join('');
    }
  }
}

/** One broken variant of a valid value. */
function broken(s: Schema, rand: () => number, pool: readonly string[]): unknown {
  const v = valid(s, rand, pool);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  if (typeOf(s) === 'object' && v && typeof v === 'object' && rand() < 0.7) {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(s.properties ?? {});
    const r = rand();
    if (r < 0.2 && keys.length > 0) delete o[pick(keys)];
    else if (r < 0.35) o[pick(['extra', '__proto__', 'constructor', 'id', 'user_id'])] = pick([1, 'x', { a: 1 }, null]);
    else if (keys.length > 0) {
      const k = pick(keys);
      o[k] = broken(s.properties![k]!, rand, pool);
    }
    return o;
  }
  if (typeOf(s) === 'array' && Array.isArray(v) && rand() < 0.5) {
    return rand() < 0.5 ? Array.from({ length: 5000 }, () => v[0]) : [broken(s.items ?? {}, rand, pool)];
  }
  return pick<() => unknown>([
    () => pick(NUMBERS),
    () => pick(UNICODE),
    () => HUGE,
    () => null,
    () => true,
    () => [],
    () => ({}),
    () => String(v),
    () => (typeof v === 'number' ? String(v) : pick(NUMBERS)),
  ])();
}

const BAD_AUTH = [
  'Bearer ',
  'Bearer garbage',
  `Bearer ${'A'.repeat(10_000)}`,
  'Basic dXNlcjpwYXNz',
  'Bearer \u00ff\u00fe',
  'bearer',
  'Bearer a.b.c',
  'Token x',
];

interface Req {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | FormData;
}

function buildRequest(op: Operation, rand: () => number, ctx: { tokens: string[]; pool: string[] }): Req {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  // What this request breaks: one of the path, the query, the body, the JSON itself, or the auth header.
  const target = pick(['path', 'query', 'body', 'body', 'json', 'auth', 'none']);
  let path = op.path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of op.params) {
    const s = p.schema ?? {};
    if (p.in === 'path') {
      const value = target === 'path' ? pick(PATH_VALUES) : String(valid(s, rand, ctx.pool));
      path = path.replace(`{${p.name}}`, encodeURIComponent(value).replace(/%25/g, '%'));
    } else if (p.in === 'query' && (p.required || rand() < 0.6)) {
      query.set(p.name, String(target === 'query' ? broken(s, rand, ctx.pool) : valid(s, rand, ctx.pool)));
    } else if (p.in === 'header' && rand() < 0.7) {
      headers[p.name] =
        target === 'auth' ? pick(['', 'x'.repeat(200), 'a b', '\u00ff']) : String(valid(s, rand, ctx.pool));
    }
  }
  // Never log out a session the fuzzer needs: logout only ever sees made-up tokens.
  const valids = op.path.endsWith('/logout') ? [] : ctx.tokens;
  if (target === 'auth') headers.authorization = pick(BAD_AUTH);
  else if (valids.length > 0 && rand() < 0.8) headers.authorization = `Bearer ${pick(valids)}`;
  let body: string | FormData | undefined;
  if (op.body?.type === 'application/json') {
    if (target === 'json') {
      body = pick(RAW_BODIES);
      headers['content-type'] = pick([
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
      ]);
    } else {
      body = JSON.stringify(
        target === 'body' ? broken(op.body.schema, rand, ctx.pool) : valid(op.body.schema, rand, ctx.pool),
      );
      headers['content-type'] = 'application/json';
    }
  } else if (op.body?.type === 'multipart/form-data') {
    const form = new FormData();
    const fields = (target === 'body' ? broken : valid)(op.body.schema, rand, ctx.pool);
    for (const [k, v] of Object.entries((fields ?? {}) as Record<string, unknown>)) {
      if (k !== 'file') form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    }
    if (rand() < 0.7)
      form.append('file', new Blob([new Uint8Array(Math.floor(rand() * 4096))]), pick(['a.mp4', '../x', '😀.mov', '']));
    if (target === 'json') {
      body = pick(['--x\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhi', '', 'garbage']);
      headers['content-type'] = pick(['multipart/form-data', 'multipart/form-data; boundary=x', 'application/json']);
    } else body = form;
  } else if (target === 'json' && op.method !== 'GET' && op.method !== 'HEAD') {
    body = pick(RAW_BODIES);
    headers['content-type'] = 'application/json';
  }
  const qs = query.toString();
  return { method: op.method, url: `${path}${qs ? `?${qs}` : ''}`, headers, ...(body !== undefined ? { body } : {}) };
}

function operations(doc: { paths: Record<string, Record<string, Record<string, unknown>>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, o] of Object.entries(methods)) {
      const content = (o.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content ?? {};
      const [type, media] = Object.entries(content)[0] ?? [];
      ops.push({
        method: method.toUpperCase(),
        path: path.replace('{*}', '{wildcard}'),
        params: ((o.parameters as Operation['params']) ?? []).map((p) =>
          p.name === '*' ? { ...p, name: 'wildcard' } : p,
        ),
        ...(type && media ? { body: { type, schema: media.schema } } : {}),
      });
    }
  }
  return ops;
}

const LEAK = /\n\s+at |\/work\/|node_modules|\.ts:\d+|\/home\/|\/tmp\//;

export async function fuzzRoutes(
  backend: Backend,
  o: { requests: number; rand: () => number; log: (line: string) => void; concurrency?: number; maxS?: number },
): Promise<FuzzResult> {
  const t0 = Date.now();
  let server: ServerProcess = await startApi(backend);
  const doc = (await (await fetch(`${server.base}/docs/json`)).json()) as Parameters<typeof operations>[0];
  const ops = operations(doc);
  const reg = async (handle: string) => {
    const r = await fetch(`${server.base}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handle, password: 'fuzzing password' }),
    });
    return (await r.json()) as { token: string; user: { id: string } };
  };
  const a = await reg('fuzz_alice');
  const b = await reg('fuzz_bob');
  const draft = (await (
    await fetch(`${server.base}/api/v1/videos`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
      body: JSON.stringify({ caption: 'fuzz' }),
    })
  ).json()) as { video_id: string };
  const ctx = { tokens: [a.token, b.token], pool: [a.user.id, b.user.id, draft.video_id, 'fuzz_alice'] };
  const r: FuzzResult = {
    requests: 0,
    routes: ops.length,
    status_5xx: 0,
    crashes: 0,
    missing_code: 0,
    leaky_bodies: 0,
    statuses: {},
    slowest_ms: {},
    samples: [],
    duration_s: 0,
  };
  const sample = (what: string, req: Req, status: number | string, text: string) => {
    if (r.samples.length < 30)
      r.samples.push(`${what}: ${req.method} ${req.url.slice(0, 120)} -> ${status} ${text.slice(0, 200)}`);
  };
  let restarting: Promise<void> | undefined;
  let issued = 0;
  const stopAt = o.maxS ? Date.now() + o.maxS * 1000 : Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (issued < o.requests && Date.now() < stopAt) {
      issued++;
      const op = ops[Math.floor(o.rand() * ops.length)]!;
      const req = buildRequest(op, o.rand, ctx);
      if (restarting) await restarting;
      const started = Date.now();
      try {
        const res = await fetch(`${server.base}${req.url}`, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        r.requests++;
        const took = Date.now() - started;
        const slot = `${op.method} ${op.path}`;
        r.slowest_ms[slot] = Math.max(r.slowest_ms[slot] ?? 0, took);
        r.statuses[res.status] = (r.statuses[res.status] ?? 0) + 1;
        if (res.status >= 500) {
          r.status_5xx++;
          sample('5xx', req, res.status, text);
        }
        if (res.status >= 400 && LEAK.test(text)) {
          r.leaky_bodies++;
          sample('leak', req, res.status, text);
        }
        if (res.status >= 400 && res.status < 500 && req.method !== 'HEAD') {
          let code: unknown;
          try {
            code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
          } catch {}
          if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code)) {
            r.missing_code++;
            sample('no code', req, res.status, text);
          }
        }
      } catch (err) {
        // A request the client itself refuses to send (e.g. an invalid header) is not a server problem.
        if (err instanceof TypeError && !/fetch failed/.test(err.message)) continue;
        if (server.child.exitCode !== null || server.child.signalCode !== null) {
          if (!restarting) {
            r.crashes++;
            sample('crash', req, 'exit', server.output().slice(-300));
            restarting = startApi(backend).then((s) => {
              server = s;
              restarting = undefined;
            });
          }
        } else r.requests++;
      }
      if (r.requests > 0 && r.requests % 20_000 === 0) o.log(`  fuzz: ${r.requests} requests, ${r.status_5xx} 5xx`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 16 }, worker));
  server.child.kill('SIGTERM');
  await server.exited;
  r.duration_s = Math.round((Date.now() - t0) / 10) / 100;
  return r;
}
