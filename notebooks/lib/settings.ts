/**
 * The environment variables notebook code reads, parsed once here (the notebook-side counterpart of
 * `core/config`): which data to load, which benchmark results to read, and where the runner wants its ledger of shown
 * outputs.
 */
import { z } from 'zod';
import { DEFAULT_KUAIRAND_DIR } from '../../training/data/kuairand.loader.ts';

const NotebookSettings = z.object({
  /** `auto`: KuaiRand when its files are there, the synthetic dataset otherwise. */
  FORYOU_NOTEBOOK_DATA: z.enum(['auto', 'kuairand', 'synthetic']).default('auto'),
  /** The KuaiRand folder, relative to the repository root or absolute. */
  FORYOU_KUAIRAND_DIR: z.string().min(1).default(DEFAULT_KUAIRAND_DIR),
  /** Where `readBenchResult` finds `<name>.json`, relative to the repository root or absolute. */
  FORYOU_BENCH_RESULTS_DIR: z.string().min(1).default('bench/results'),
  /** Set by the runner: `show()` appends one line per output, so outputs the kernel lost are noticed. */
  FORYOU_NOTEBOOK_LEDGER: z.string().min(1).optional(),
});
export type NotebookSettings = z.infer<typeof NotebookSettings>;

let parsed: NotebookSettings | undefined;

/** The settings of this process (parsed on first use), or of `env` when given (tests). */
export function notebookSettings(env?: Record<string, string | undefined>): NotebookSettings {
  if (env) return NotebookSettings.parse(env);
  parsed ??= NotebookSettings.parse(process.env);
  return parsed;
}
