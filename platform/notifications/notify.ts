import { newId } from '../../core/ids.ts';
import type { SqlExecutor } from '../../core/metadata/ports.ts';
import { type NewNotification, notificationsRepo } from '../../domain/repos/notifications.repo.ts';

/**
 * Writes a notification inside the caller's transaction, so it exists exactly when the like, comment,
 * follow or moderation decision it tells of does. Nobody is notified of their own action.
 */
export async function notify(tx: SqlExecutor, n: Omit<NewNotification, 'id'>): Promise<void> {
  if (n.actorId !== undefined && n.actorId === n.userId) return;
  await notificationsRepo(tx).add({ id: newId(n.now), ...n });
}

/** `notify` for several notifications in one statement (those telling users of their own action left out). */
export async function notifyMany(tx: SqlExecutor, ns: readonly Omit<NewNotification, 'id'>[]): Promise<void> {
  const told = ns.filter((n) => n.actorId === undefined || n.actorId !== n.userId);
  await notificationsRepo(tx).addMany(told.map((n) => ({ id: newId(n.now), ...n })));
}
