import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMetadataStore } from '../../../core/metadata/open.ts';
import type { MetadataStore } from '../../../core/metadata/ports.ts';
import { dropTestSchema, testPostgresUrl } from '../../../core/testing/postgres.ts';
import { closeDeps, openDeps } from '../open-deps.ts';
import { testBackendConfig } from '../testing/harness.ts';
import { usersCli } from './roles.cli.ts';
import { hasRole, ROLES } from './roles.ts';
import { grantAdmins } from './users.repo.ts';

const addUser = (db: MetadataStore, id: string, handle: string) =>
  db.run('INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES ($1, $2, $2, $3, $4)', [
    id,
    handle,
    'x',
    Date.now(),
  ]);
const roleOf = async (db: MetadataStore, handle: string) =>
  (await db.get<{ role: string }>('SELECT role FROM users WHERE handle = $1', [handle]))?.role;

describe.each(['sqlite', 'postgres'] as const)('users.role (migration 004) on %s', (dialect) => {
  let db: MetadataStore;
  let url: string;
  const dir = testBackendConfig('embedded', 'roles').DATA_DIR;
  beforeAll(async () => {
    url = dialect === 'sqlite' ? `sqlite://${dir}/meta.db` : testPostgresUrl('roles');
    db = await openMetadataStore(url);
    await db.migrate();
  });
  afterAll(async () => {
    await db?.close();
    if (dialect === 'postgres') await dropTestSchema(url);
    rmSync(dir, { recursive: true, force: true });
  });

  it('makes every account a user, and refuses a role outside user, moderator and admin', async () => {
    await addUser(db, 'u1', 'plain');
    expect(await roleOf(db, 'plain')).toBe('user');
    await expect(db.run("UPDATE users SET role = 'root' WHERE handle = 'plain'")).rejects.toThrow();
    expect(await roleOf(db, 'plain')).toBe('user');
  });

  it('grants ADMIN_HANDLES the admin role, once, and only to those handles', async () => {
    await addUser(db, 'u2', 'op');
    expect(await grantAdmins(db, ['OP', 'nobody'])).toBe(1);
    expect(await grantAdmins(db, ['op'])).toBe(0);
    expect(await roleOf(db, 'op')).toBe('admin');
    expect(await roleOf(db, 'plain')).toBe('user');
  });
});

describe('roles', () => {
  it('orders user < moderator < admin: each may act as the ones before it', () => {
    expect(ROLES).toEqual(['user', 'moderator', 'admin']);
    expect(hasRole('admin', 'moderator')).toBe(true);
    expect(hasRole('moderator', 'moderator')).toBe(true);
    expect(hasRole('moderator', 'admin')).toBe(false);
    expect(hasRole('user', 'moderator')).toBe(false);
  });

  it('applies ADMIN_HANDLES when the server starts, and never demotes when a handle leaves the list', async () => {
    const config = testBackendConfig('embedded', 'admin-start', { ADMIN_HANDLES: 'late_op' });
    const first = await openDeps(config);
    await addUser(first.metadata, 'u1', 'late_op');
    expect(await roleOf(first.metadata, 'late_op')).toBe('user');
    await closeDeps(first);
    const again = await openDeps(config);
    expect(await roleOf(again.metadata, 'late_op')).toBe('admin');
    await closeDeps(again);
    const without = await openDeps({ ...config, ADMIN_HANDLES: [] });
    expect(await roleOf(without.metadata, 'late_op')).toBe('admin');
    await closeDeps(without);
    rmSync(config.DATA_DIR, { recursive: true, force: true });
  });
});

describe('npm run users', () => {
  let db: MetadataStore;
  const dir = testBackendConfig('embedded', 'users-cli').DATA_DIR;
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await usersCli(db, argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err: err.join('\n') };
  };
  beforeAll(async () => {
    db = await openMetadataStore(`sqlite://${dir}/meta.db`);
    await db.migrate();
    await addUser(db, 'u1', 'alice');
    await addUser(db, 'u2', 'bob');
  });
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a role by handle (any case) and lists who holds one', async () => {
    expect(await run('set-role', 'Alice', 'admin')).toMatchObject({ code: 0, out: ['alice is now admin'] });
    expect(await run('set-role', 'bob', 'moderator')).toMatchObject({ code: 0 });
    expect((await run('roles')).out).toEqual(['alice\tadmin', 'bob\tmoderator']);
    expect((await run('roles', '--min', 'admin')).out).toEqual(['alice\tadmin']);
    expect(await run('set-role', 'alice', 'user')).toMatchObject({ code: 0 });
    expect(await roleOf(db, 'alice')).toBe('user');
  });

  it('exits 1 for an unknown handle and 2 with the usage for a mistake', async () => {
    expect(await run('set-role', 'carol', 'admin')).toMatchObject({ code: 1, err: 'no account with handle "carol"' });
    const bad = await run('set-role', 'bob', 'root');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown role "root"[\s\S]*usage: npm run users/);
    expect((await run('promote')).code).toBe(2);
    expect((await run()).code).toBe(2);
  });
});
