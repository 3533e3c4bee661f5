import { describeProfileRoutes } from './testing/profiles.suite.ts';

describeProfileRoutes('embedded');
