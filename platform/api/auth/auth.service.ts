import { createHash, randomBytes } from 'node:crypto';
import type { Cache } from '../../../core/cache/ports.ts';
import type { Clock } from '../../../core/clock.ts';
import { isBackendUnavailable } from '../../../core/errors/backend-errors.ts';
import { AppError } from '../../../core/errors/registry.ts';
import { newId } from '../../../core/ids.ts';
import { isUniqueViolation } from '../../../core/metadata/open.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { cleanSingleLine } from '../../../core/text/safe-text.ts';
import { windowCounters } from '../rate-limit.ts';
import type { AuthUser } from './current-user.ts';
import { checkNewHandle } from './handles.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { isRole } from './roles.ts';
import { sessionsRepo, type UserRecord, usersRepo } from './users.repo.ts';

/** What register and login return: the user and a bearer token shown exactly once. */
export interface SessionGrant {
  user: UserRecord;
  token: string;
  expires_at: number;
}

// A fixed hash to verify against when the handle is unknown, so timing does not reveal which handles exist.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const SESSION_CACHE_MS = 30_000;
/** The window failed logins are counted over, per account. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Registration, login, logout and token resolution. Sessions are server-side and revocable at once. A
 * handle listed in `adminHandles` registers as an admin; a role change reaches cached sessions within 30 s
 * (a ban at once: the moderation service evicts the account's cached sessions).
 */
export function authService(deps: {
  metadata: MetadataStore;
  cache: Cache;
  clock: Clock;
  sessionTtlS: number;
  adminHandles?: readonly string[];
  /** Failed logins per account per 15 min before the account's logins are refused until the window ends. */
  loginFailuresPerAccount?: number;
  /** Failed logins per client address per 15 min, any accounts, before that address's logins are refused. */
  loginFailuresPerIp?: number;
}) {
  const { metadata, cache, clock } = deps;
  const counters = windowCounters(cache, clock);
  // Per account, on top of the per-address budget: credential stuffing spreads over many addresses.
  const loginFailures = (handle: string) => ({
    key: `loginfail:${handle}`,
    limit: deps.loginFailuresPerAccount ?? 10,
    windowMs: LOGIN_FAILURE_WINDOW_MS,
  });
  // Per address, failures only: many people behind one NAT signing in successfully spend nothing here,
  // while one address trying many accounts (a few guesses each, under the per-account budget) is stopped.
  const addressFailures = (ip: string) => ({
    key: `loginfail-ip:${ip}`,
    limit: deps.loginFailuresPerIp ?? 150,
    windowMs: LOGIN_FAILURE_WINDOW_MS,
  });

  async function grant(user: UserRecord): Promise<SessionGrant> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const expires_at = now + deps.sessionTtlS * 1000;
    await sessionsRepo.insert(metadata, {
      token_hash: tokenHash(token),
      user_id: user.id,
      created_at: now,
      expires_at,
    });
    return { user, token, expires_at };
  }

  return {
    async register(input: { handle: string; password: string; display_name?: string }): Promise<SessionGrant> {
      const handle = input.handle.toLowerCase();
      const isAdmin = deps.adminHandles?.includes(handle) ?? false;
      // An operator may name an admin account anything; everyone else is held to the handle rules.
      if (!isAdmin) checkNewHandle(handle);
      // Checked before the insert: two look-alikes registering in the same instant could both pass.
      if (await usersRepo.lookAlikeExists(metadata, handle)) {
        throw new AppError('HANDLE_TAKEN', 'That handle, or one that looks the same, is already registered.');
      }
      const user: UserRecord = {
        id: newId(clock.now()),
        handle,
        display_name: cleanSingleLine(input.display_name ?? input.handle).trim() || input.handle,
        bio: '',
        created_at: clock.now(),
      };
      const password_hash = await hashPassword(input.password);
      try {
        const role = isAdmin ? 'admin' : 'user';
        await usersRepo.insert(metadata, { ...user, password_hash, role });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('HANDLE_TAKEN');
        throw err;
      }
      return grant(user);
    },

    /** Signs in; `from.ip`, the client's address, is held to the per-address failure budget. */
    async login(input: { handle: string; password: string }, from: { ip?: string } = {}): Promise<SessionGrant> {
      const handle = input.handle.toLowerCase();
      const budgets = [loginFailures(handle), ...(from.ip !== undefined ? [addressFailures(from.ip)] : [])];
      for (const b of budgets) await counters.check(b);
      const found = await usersRepo.byHandleWithHash(metadata, handle);
      const ok = await verifyPassword(input.password, found?.password_hash ?? DUMMY_HASH);
      if (!found || !ok) {
        await counters.spend(budgets).catch(() => {});
        throw new AppError('INVALID_CREDENTIALS');
      }
      const { password_hash: _omit, ...user } = found;
      return grant(user);
    },

    async logout(token: string): Promise<void> {
      const hash = tokenHash(token);
      await sessionsRepo.revoke(metadata, hash, clock.now());
      await cache.del(`session:${hash}`);
    },

    /**
     * The user behind a token, or undefined when it is unknown, expired or revoked. The session cache
     * only saves a read: while it is unavailable the metadata store answers alone.
     */
    async resolve(token: string): Promise<AuthUser | undefined> {
      const hash = tokenHash(token);
      const cached = await cache.get(`session:${hash}`).catch((err: unknown) => {
        if (!isBackendUnavailable(err)) throw err;
        return undefined;
      });
      if (cached) {
        const s = JSON.parse(cached) as AuthUser & { expires_at: number };
        // An entry cached before roles existed has none: read the session again.
        if (s.expires_at > clock.now() && isRole(s.role)) {
          return { id: s.id, handle: s.handle, role: s.role, ...(s.banned ? { banned: true } : {}) };
        }
      }
      const row = await sessionsRepo.live(metadata, hash, clock.now());
      if (!row) return undefined;
      const user: AuthUser = {
        id: row.user_id,
        handle: row.handle,
        role: isRole(row.role) ? row.role : 'user',
        ...(row.banned_at !== null && row.banned_at !== undefined ? { banned: true } : {}),
      };
      await cache
        .set(`session:${hash}`, JSON.stringify({ ...user, expires_at: row.expires_at }), SESSION_CACHE_MS)
        .catch((err: unknown) => {
          if (!isBackendUnavailable(err)) throw err;
        });
      return user;
    },

    me(id: string): Promise<UserRecord | undefined> {
      return usersRepo.byId(metadata, id);
    },
  };
}

export type AuthService = ReturnType<typeof authService>;
