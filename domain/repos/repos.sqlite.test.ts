import { openMetadataStore } from '../../core/metadata/open.ts';
import { describeModerationContract } from './moderation.contract.ts';
import { describeRepositoriesContract } from './repos.contract.ts';

describeRepositoriesContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
describeModerationContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
