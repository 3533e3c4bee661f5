/**
 * Turns the server's OpenAPI document into the client's TypeScript types: one entry per operation with
 * its path, query and body parameters and its success response. The JSON Schema subset covered is the
 * one the server's zod schemas produce; anything else is refused by name, so a new construct on the
 * server fails the drift test instead of becoming `unknown` unnoticed.
 */

/** The slice of a JSON Schema the server emits. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
  [k: string]: unknown;
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
  description?: string;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>;
  summary?: string;
}

/** The parts of an OpenAPI 3 document read here. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head'] as const;

function key(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function indent(text: string, by: string): string {
  return text.replaceAll('\n', `\n${by}`);
}

/** The TypeScript type of a schema, multi-line for objects. */
export function schemaToTs(s: JsonSchema | undefined, where: string): string {
  if (!s || Object.keys(s).filter((k) => k !== 'description').length === 0) return 'unknown';
  const base = baseType(s, where);
  return s.nullable ? `${base} | null` : base;
}

function baseType(s: JsonSchema, where: string): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const union = s.anyOf ?? s.oneOf;
  if (union) return union.map((u, i) => wrap(schemaToTs(u, `${where}|${i}`))).join(' | ');
  if (s.allOf) return s.allOf.map((u, i) => wrap(schemaToTs(u, `${where}&${i}`))).join(' & ');
  const type = Array.isArray(s.type) ? s.type : s.type ? [s.type] : s.properties ? ['object'] : [];
  if (type.length === 0) throw new Error(`${where}: schema without a type the client generator knows`);
  return type.map((t) => wrap(single(t, s, where))).join(' | ');
}

function wrap(t: string): string {
  return t.includes(' | ') || t.includes(' & ') ? `(${t})` : t;
}

function single(type: string, s: JsonSchema, where: string): string {
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return `${wrap(schemaToTs(s.items, `${where}[]`))}[]`;
    case 'object':
      return objectType(s, where);
    default:
      throw new Error(`${where}: unknown schema type ${type}`);
  }
}

function objectType(s: JsonSchema, where: string): string {
  const props = Object.entries(s.properties ?? {});
  const required = new Set(s.required ?? []);
  const extra = s.additionalProperties;
  const lines = props.map(([name, p]) => {
    const doc = p.description ? `/** ${p.description.replaceAll('*/', '*\\/')} */\n` : '';
    return `${doc}${key(name)}${required.has(name) ? '' : '?'}: ${schemaToTs(p, `${where}.${name}`)};`;
  });
  if (extra === true || (typeof extra === 'object' && extra !== null))
    lines.push(`[key: string]: ${extra === true ? 'unknown' : schemaToTs(extra, `${where}.*`)};`);
  else if (props.length === 0 && extra === undefined) lines.push('[key: string]: unknown;');
  if (lines.length === 0) return 'Record<string, never>';
  return `{\n  ${indent(lines.join('\n'), '  ')}\n}`;
}

function paramsType(params: readonly Parameter[], where: 'query' | 'path', op: string): string {
  const list = params.filter((p) => p.in === where);
  if (list.length === 0) return 'Record<string, never>';
  return objectType(
    {
      type: 'object',
      properties: Object.fromEntries(
        list.map((p) => [p.name, { ...(p.schema ?? {}), ...(p.description ? { description: p.description } : {}) }]),
      ),
      required: list.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    },
    `${op} ${where}`,
  );
}

function successResponse(op: Operation): { status: number; schema: JsonSchema | undefined } {
  const codes = Object.keys(op.responses ?? {})
    .filter((c) => /^2\d\d$/.test(c))
    .sort();
  const code = codes[0] ?? '200';
  return { status: Number(code), schema: op.responses?.[code]?.content?.['application/json']?.schema };
}

/**
 * The generated module: `Operations`, keyed by `"METHOD /path"` with `{path}` parameters as the server
 * names them, each holding `path`, `query`, `body`, `response` and the success `status`.
 */
export function generateClientTypes(doc: OpenApiDocument, include: (path: string) => boolean): string {
  const entries: string[] = [];
  for (const path of Object.keys(doc.paths).sort()) {
    if (!include(path)) continue;
    const ops = doc.paths[path]!;
    for (const method of METHODS) {
      const op = ops[method];
      if (!op) continue;
      const name = `${method.toUpperCase()} ${path}`;
      const params = op.parameters ?? [];
      const body = op.requestBody?.content?.['application/json']?.schema;
      const res = successResponse(op);
      const summary = op.summary ? `/** ${op.summary} */\n` : '';
      entries.push(
        `${summary}${JSON.stringify(name)}: {\n` +
          `  path: ${indent(paramsType(params, 'path', name), '  ')};\n` +
          `  query: ${indent(paramsType(params, 'query', name), '  ')};\n` +
          `  body: ${body ? indent(schemaToTs(body, `${name} body`), '  ') : 'undefined'};\n` +
          `  response: ${indent(schemaToTs(res.schema, `${name} response`), '  ')};\n` +
          `  status: ${res.status};\n}`,
      );
    }
  }
  return [
    "// Generated by `npm run client:generate` from the server's OpenAPI document (/docs/json). Do not edit:",
    '// platform/client/openapi.test.ts fails when this file and the server drift apart.',
    '',
    '/** Every operation of the public API, keyed by "METHOD /path". */',
    `export interface Operations {\n  ${indent(entries.join('\n'), '  ')}\n}`,
    '',
  ].join('\n');
}

/** The paths the client covers: the versioned API and the health checks (not the web app, signed objects or media). */
export function isClientPath(path: string): boolean {
  return path.startsWith('/api/v1/') || path === '/healthz' || path === '/readyz';
}
