import { openMetadataStore } from '../../core/metadata/open.ts';
import { describeRepositoriesContract } from './repos.contract.ts';

describeRepositoriesContract('sqlite', () => openMetadataStore('sqlite://:memory:'));
