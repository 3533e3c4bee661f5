import { describePrivateAccounts } from './testing/private-accounts.suite.ts';

describePrivateAccounts('scaled');
