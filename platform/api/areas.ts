import type { FastifyPluginAsync } from 'fastify';
import { discoveryRoutes } from '../discovery/discovery.routes.ts';
import { engagementRoutes } from '../engagement/engagement.routes.ts';
import { followRequestsRoutes } from '../engagement/follow-requests.routes.ts';
import { profilesRoutes } from '../engagement/profiles.routes.ts';
import { feedRoutes } from '../feed/feed.routes.ts';
import { uploadGate } from '../media/drafts.ts';
import { originRoutes } from '../media/origin.routes.ts';
import { videosRoutes } from '../media/videos.routes.ts';
import { moderationRoutes } from '../moderation/moderation.routes.ts';
import { notificationsRoutes } from '../notifications/notifications.routes.ts';
import { webRoutes } from '../web/web.routes.ts';
import type { AppDeps } from './deps.ts';
import { objectsRoutes } from './objects.routes.ts';
import { opsRoutes } from './ops.routes.ts';
import { simClockRoutes } from './sim-clock.routes.ts';

/** The feature areas mounted by `buildApp`, each an encapsulated plugin under its prefix. */
export const apiAreas: { name: string; prefix: string; plugin: (deps: AppDeps) => FastifyPluginAsync }[] = [
  // Signed URLs of the file store point at <PUBLIC_BASE_URL>/objects/<key>: no prefix.
  {
    name: 'objects',
    prefix: '',
    plugin: (d) =>
      objectsRoutes({
        objects: d.objects,
        secret: d.secret,
        clock: () => d.clock.now(),
        acceptsUpload: uploadGate(d.metadata),
      }),
  },
  { name: 'web', prefix: '', plugin: () => webRoutes() },
  { name: 'videos', prefix: '/api/v1', plugin: (d) => videosRoutes(d) },
  // The media origin the CDN caches: /media/videos/<id>/v<version>/...
  {
    name: 'origin',
    prefix: '',
    plugin: (d) =>
      originRoutes({ ...d, edgeTtlS: d.config.MEDIA_EDGE_TTL_S, accessCacheMs: d.config.MEDIA_ACCESS_CACHE_MS }),
  },
  { name: 'engagement', prefix: '/api/v1', plugin: (d) => engagementRoutes(d) },
  { name: 'feed', prefix: '/api/v1', plugin: (d) => feedRoutes(d) },
  { name: 'discovery', prefix: '/api/v1', plugin: (d) => discoveryRoutes(d) },
  { name: 'profiles', prefix: '/api/v1', plugin: (d) => profilesRoutes(d) },
  { name: 'follow-requests', prefix: '/api/v1', plugin: (d) => followRequestsRoutes(d) },
  { name: 'moderation', prefix: '/api/v1', plugin: (d) => moderationRoutes(d) },
  { name: 'notifications', prefix: '/api/v1', plugin: (d) => notificationsRoutes(d) },
  { name: 'ops', prefix: '/api/v1', plugin: (d) => opsRoutes(d) },
  // Only with SIM_CLOCK=true: the simulator's clock.
  { name: 'sim', prefix: '/api/v1', plugin: (d) => simClockRoutes(d) },
];
