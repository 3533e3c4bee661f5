import { describeDiscoveryRoutes } from './testing/discovery.suite.ts';

describeDiscoveryRoutes('scaled');
