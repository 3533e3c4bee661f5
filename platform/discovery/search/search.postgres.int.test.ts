import { afterAll } from 'vitest';
import { openMetadataStore } from '../../../core/metadata/open.ts';
import { dropTestSchema, testPostgresUrl } from '../../../core/testing/postgres.ts';
import { describeSearchContract } from './search.contract.ts';

const url = testPostgresUrl('search');
afterAll(() => dropTestSchema(url));

describeSearchContract('postgres (full text)', () => openMetadataStore(url));
