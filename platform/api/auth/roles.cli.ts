import type { SqlExecutor } from '../../../core/metadata/ports.ts';
import { isRole, ROLES } from './roles.ts';
import { setRole, usersWithRole } from './users.repo.ts';

const USAGE = `usage: npm run users -- <command>
  set-role <handle> <${ROLES.join('|')}>   give an account a role (admin opens the operator routes)
  roles [--min <role>]                   list accounts at or above a role (default moderator)`;

/**
 * The `foryou users` commands on an opened metadata store. Returns the exit code: 0 done, 1 no such
 * account, 2 a usage mistake (the usage is printed).
 */
export async function usersCli(
  db: SqlExecutor,
  argv: readonly string[],
  io: { out: (line: string) => void; err: (line: string) => void },
): Promise<number> {
  const [command, ...rest] = argv;
  const usage = (problem: string) => {
    io.err(`${problem}\n${USAGE}`);
    return 2;
  };
  if (command === 'set-role') {
    const [handle, role] = rest;
    if (!handle || rest.length !== 2) return usage('set-role takes a handle and a role');
    if (!isRole(role)) return usage(`unknown role "${role}"`);
    if (!(await setRole(db, handle, role))) {
      io.err(`no account with handle "${handle}"`);
      return 1;
    }
    io.out(`${handle.toLowerCase()} is now ${role}`);
    return 0;
  }
  if (command === 'roles') {
    const min = rest[0] === '--min' ? rest[1] : rest.length === 0 ? 'moderator' : undefined;
    if (!isRole(min)) return usage('roles takes at most --min <role>');
    for (const u of await usersWithRole(db, min)) io.out(`${u.handle}\t${u.role}`);
    return 0;
  }
  return usage(command === undefined || command === 'help' ? 'a command is required' : `unknown command "${command}"`);
}
