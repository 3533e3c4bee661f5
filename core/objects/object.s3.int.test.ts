import { describe, expect, it } from 'vitest';
import type { Clock } from '../clock.ts';
import { newId } from '../ids.ts';
import { describeObjectStoreContract } from './object.contract.ts';
import { openObjectStore } from './open.ts';

const baseUrl = process.env.TEST_S3_URL;
if (!baseUrl) throw new Error('TEST_S3_URL is unset: the vitest global setup starts core/testing/s3.server.ts');

/** A URL for a fresh bucket (created on open), so test files and fixtures never share objects. */
function bucketUrl(): string {
  const url = new URL(baseUrl!);
  url.hostname = `t-${newId()}`;
  return url.href;
}

const openS3 = async ({ clock }: { clock?: Clock } = {}) => {
  const store = await openObjectStore(bucketUrl(), { publicBaseUrl: 'http://unused', secret: 'unused', clock });
  return { store, stop: () => store.close() };
};

describeObjectStoreContract('s3', ({ clock }) => openS3({ clock }));

describe('s3 object store specifics', () => {
  it('takes credentials from the URL user info', async () => {
    const url = new URL(bucketUrl());
    url.username = url.searchParams.get('accessKeyId')!;
    url.password = url.searchParams.get('secretAccessKey')!;
    url.searchParams.delete('accessKeyId');
    url.searchParams.delete('secretAccessKey');
    const store = await openObjectStore(url.href, { publicBaseUrl: 'http://unused', secret: 'unused' });
    await store.put('k', Buffer.from('v'));
    expect((await store.getBuffer('k')).toString()).toBe('v');
    await store.close();
  });

  it('fails fast on a missing bucket unless createBucket=true', async () => {
    const url = new URL(bucketUrl());
    url.searchParams.delete('createBucket');
    await expect(openObjectStore(url.href, { publicBaseUrl: 'http://x', secret: 'x' })).rejects.toThrow(
      /cannot reach bucket/,
    );
  });

  it('rejects unknown URL options and bad bucket names', async () => {
    const url = new URL(bucketUrl());
    url.searchParams.set('regoin', 'eu');
    await expect(openObjectStore(url.href, { publicBaseUrl: 'http://x', secret: 'x' })).rejects.toThrow(/regoin/);
    url.searchParams.delete('regoin');
    url.hostname = 'x';
    await expect(openObjectStore(url.href, { publicBaseUrl: 'http://x', secret: 'x' })).rejects.toThrow(/bucket name/);
  });

  it('presigns uploads that are bound to the content type', async () => {
    const { store, stop } = await openS3();
    const signed = await store.signedUpload('a.mp4', { expiresInS: 60, contentType: 'video/mp4', maxBytes: 10 });
    expect(new URL(signed.url).searchParams.get('X-Amz-SignedHeaders')).toContain('content-type');
    await stop();
  });
});
