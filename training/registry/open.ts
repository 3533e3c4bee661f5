import type { Clock } from '../../core/clock.ts';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { openObjectStore } from '../../core/objects/open.ts';
import { ModelRegistry } from './registry.ts';

/** Where the registry lives: the metadata store (table `models`) and the object store for artifacts. */
export interface RegistryUrls {
  metadataUrl: string;
  objectsUrl: string;
  clock?: Clock;
}

// The registry never hands out signed URLs, so the file store's signing key is never used here.
const UNUSED_SIGNING_KEY = 'training-cli-does-not-sign-urls-0000000000';

/** Opens both stores (migrating the metadata store) and returns the registry with a close function. */
export async function openRegistry(urls: RegistryUrls): Promise<{ registry: ModelRegistry; close(): Promise<void> }> {
  const db = await openMetadataStore(urls.metadataUrl);
  try {
    await db.migrate();
    const objects = await openObjectStore(urls.objectsUrl, {
      publicBaseUrl: 'http://127.0.0.1',
      secret: UNUSED_SIGNING_KEY,
    });
    return {
      registry: new ModelRegistry(db, objects, urls.clock),
      close: async () => {
        await objects.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
