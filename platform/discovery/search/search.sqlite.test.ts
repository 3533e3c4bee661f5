import { openMetadataStore } from '../../../core/metadata/open.ts';
import { describeSearchContract } from './search.contract.ts';

describeSearchContract('sqlite (FTS5)', () => openMetadataStore('sqlite://:memory:'));
