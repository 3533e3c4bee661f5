import { describe, expect, it } from 'vitest';
import { serverDocument } from '../client/generate.ts';
import { CLIENT_EVENT_TYPES } from './events.ts';

type Schema = { description?: string; properties?: Record<string, Schema>; items?: Schema; enum?: string[] };

describe('the OpenAPI document of POST /events', () => {
  it('says what each event type means and that watch_ms is cumulative per view', async () => {
    const doc = (await serverDocument()) as unknown as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
    };
    const body = doc.paths['/api/v1/events']?.post?.requestBody?.content?.['application/json']?.schema;
    const event = body?.properties?.events?.items;
    const type = event?.properties?.type;
    expect(type?.enum).toEqual([...CLIENT_EVENT_TYPES]);
    for (const t of CLIENT_EVENT_TYPES) expect(type?.description).toContain(`${t}: `);
    expect(event?.properties?.watch_ms?.description).toMatch(/^CUMULATIVE/);
    for (const field of Object.keys(event?.properties ?? {})) {
      expect(event?.properties?.[field]?.description, field).toBeTruthy();
    }
  });
});
