import { describe, expect, it } from 'vitest';
import { serverDocument } from '../client/generate.ts';

type Schema = { type?: string; format?: string; description?: string; properties?: Record<string, Schema> };

describe('the OpenAPI document of the upload routes', () => {
  it('documents the direct upload multipart form: its fields, the file and the comma-separated hashtags', async () => {
    const doc = (await serverDocument()) as unknown as {
      paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
    };
    const body = doc.paths['/api/v1/videos/direct']?.post?.requestBody;
    const form = body?.content?.['multipart/form-data']?.schema;
    expect(form).toBeDefined();
    expect(Object.keys(form?.properties ?? {})).toEqual([
      'caption',
      'hashtags',
      'music_id',
      'privacy',
      'comment_setting',
      'file',
    ]);
    expect(form?.properties?.hashtags?.type).toBe('string');
    expect(form?.properties?.hashtags?.description).toMatch(/commas/);
    expect(form?.properties?.file).toMatchObject({ type: 'string', format: 'binary' });
    expect((form as { required?: string[] }).required).toEqual(['file']);
  });
});
