import { AppError } from '../../../core/errors/registry.ts';

/** Names that would pass for the platform or its staff. Compared by skeleton, so `adm1n` is refused too. */
export const RESERVED_HANDLES = [
  'admin',
  'administrator',
  'root',
  'support',
  'help',
  'helpdesk',
  'foryou',
  'official',
  'moderator',
  'mod',
  'staff',
  'system',
  'security',
  'abuse',
  'api',
  'www',
  'team',
  'info',
  'privacy',
  'terms',
  'settings',
  'login',
  'register',
  'null',
  'undefined',
] as const;

/**
 * The look-alike skeleton of a handle (ASCII only, as handles are): case, `.` and `_` ignored, and
 * characters that read the same folded: `1`/`i`/`l` → `l`, `0`/`o` → `o`, `rn` → `m`, `vv` → `w`,
 * `5` → `s`. Two handles with one skeleton may not both exist. `migrations/011_handle_skeletons.sql`
 * computes the same for existing rows: change both together.
 */
export function handleSkeleton(handle: string): string {
  return handle
    .toLowerCase()
    .replaceAll('.', '')
    .replaceAll('_', '')
    .replaceAll('rn', 'm')
    .replaceAll('vv', 'w')
    .replaceAll('1', 'l')
    .replaceAll('i', 'l')
    .replaceAll('0', 'o')
    .replaceAll('5', 's');
}

const RESERVED_SKELETONS = new Set(RESERVED_HANDLES.map(handleSkeleton));

/** Throws HANDLE_TAKEN for a reserved handle or a look-alike of one; VALIDATION_FAILED for dots at the ends or doubled. */
export function checkNewHandle(handle: string): void {
  if (/^[._]|[._]$|\.\./.test(handle)) {
    throw new AppError('VALIDATION_FAILED', 'A handle may not start or end with "." or "_", nor hold "..".');
  }
  if (RESERVED_SKELETONS.has(handleSkeleton(handle))) throw new AppError('HANDLE_TAKEN', 'That handle is reserved.');
}
