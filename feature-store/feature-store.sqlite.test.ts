import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeFeatureStoreContract } from './feature-store.contract.ts';
import { openFeatureStore } from './open.ts';

const dir = mkdtempSync(join(tmpdir(), 'foryou-fs-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeFeatureStoreContract('sqlite', () => `sqlite://${join(dir, `f${n++}.db`)}`, openFeatureStore);
