import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from './deps.ts';

/** The feature areas mounted by `buildApp`, each an encapsulated plugin under its prefix. */
export const apiAreas: { name: string; prefix: string; plugin: (deps: AppDeps) => FastifyPluginAsync }[] = [];
