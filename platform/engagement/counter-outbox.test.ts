import { describeCounterOutbox } from './testing/counter-outbox.suite.ts';

describeCounterOutbox('embedded');
