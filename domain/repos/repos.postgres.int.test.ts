import { afterAll } from 'vitest';
import { openMetadataStore } from '../../core/metadata/open.ts';
import { dropTestSchema, testPostgresUrl } from '../../core/testing/postgres.ts';
import { describeFollowRequestsContract } from './follow-requests.contract.ts';
import { describeModerationContract } from './moderation.contract.ts';
import { describeRepositoriesContract } from './repos.contract.ts';

const url = testPostgresUrl('repos');
afterAll(() => dropTestSchema(url));

describeRepositoriesContract('postgres', () => openMetadataStore(url));
describeModerationContract('postgres', () => openMetadataStore(url));
describeFollowRequestsContract('postgres', () => openMetadataStore(url));
