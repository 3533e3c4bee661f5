/** What the CLI's commands share: their shape, where they write, argument errors. */

/** Where a command writes: results to `out`, progress and errors to `err`. */
export interface CliIo {
  out: (text: string) => void;
  err: NodeJS.WriteStream;
}

/** One subcommand: its options, help text and implementation. */
export interface Command {
  summary: string;
  usage: string;
  /** Lines describing the command's own options. */
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean; multiple?: false }>;
  run(opts: Record<string, string | boolean | undefined>, positionals: string[], io: CliIo): Promise<number>;
}

/** A mistake in how the command was called (exit code 2, no stack trace). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A required string option, or a UsageError naming it. */
export function required(opts: Record<string, string | boolean | undefined>, key: string): string {
  const v = opts[key];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${key} is required`);
  return v;
}
