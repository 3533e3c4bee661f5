import { openMetadataStore } from '../../core/metadata/open.ts';
import { describeFollowRequestsContract } from './follow-requests.contract.ts';
import { describeModerationContract } from './moderation.contract.ts';
import { describeRepositoriesContract } from './repos.contract.ts';

describeRepositoriesContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
describeModerationContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
describeFollowRequestsContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
