import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED_FILE, generatedSource, serverDocument } from './generate.ts';
import { generateClientTypes, type OpenApiDocument } from './openapi-to-ts.ts';

describe('the typed client against the server OpenAPI document', () => {
  it('matches the types generated from /docs/json (run npm run client:generate when this fails)', async () => {
    const doc = await serverDocument();
    expect(generatedSource(doc)).toBe(readFileSync(GENERATED_FILE, 'utf8'));
  });

  it('changes its types when the server changes a response field', async () => {
    const doc = await serverDocument();
    const before = generateClientTypes(doc, (p) => p === '/api/v1/me');
    const changed = structuredClone(doc) as OpenApiDocument;
    const schema = changed.paths['/api/v1/me']!.get!.responses!['200']!.content!['application/json']!.schema!;
    schema.properties!.handle = { type: 'number' };
    const after = generateClientTypes(changed, (p) => p === '/api/v1/me');
    expect(after).not.toBe(before);
    expect(after).toContain('handle: number;');
  });

  it('refuses a schema construct it does not know instead of typing it unknown', () => {
    const doc: OpenApiDocument = {
      paths: {
        '/api/v1/x': {
          get: { responses: { '200': { content: { 'application/json': { schema: { type: 'tuple' } } } } } },
        },
      },
    };
    expect(() => generateClientTypes(doc, () => true)).toThrow(/unknown schema type tuple/);
  });
});
