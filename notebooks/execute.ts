/**
 * Executes notebooks headless: Jupyter's nbconvert (Debian's `jupyter-nbconvert`) drives Deno's Jupyter
 * kernel (the `deno` npm package, whose binary ships inside a per-platform npm package). The kernelspec
 * is written to a temporary Jupyter path, so nothing outside the run is touched; a cell that raises
 * fails the run, and so does a notebook that runs past its time budget.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding the notebooks (and the kernel's working directory while one runs). */
export const NOTEBOOKS_DIR = dirname(fileURLToPath(import.meta.url));

/** The kernel every notebook names in its metadata (`deno jupyter --install` registers the same name). */
export const KERNEL_NAME = 'deno';

/** Which data the notebooks load (see `lib/data.ts`). */
export type NotebookDataChoice = 'auto' | 'kuairand' | 'synthetic';

/** Options of `executeNotebook`. */
export interface ExecuteOptions {
  data?: NotebookDataChoice;
  /** Save the outputs into the notebook (to commit them) when the run is clean; otherwise only check. */
  inPlace?: boolean;
  /** Longest any one cell may run, seconds. */
  cellTimeoutS?: number;
  /** Longest the whole notebook may run (kernel start included), seconds. */
  timeoutS?: number;
  /** More settings for the notebook's code (`lib/settings.ts`), e.g. another results folder. */
  env?: Record<string, string>;
}

/** What one execution produced. */
export interface ExecuteResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  cells: number;
  /** Outputs by kind: images (PNG), errors (a raised cell), and all. */
  outputs: { total: number; images: number; errors: number };
  /** Outputs `show()` sent that never reached the notebook (Deno's kernel can drop one as a cell ends). */
  lost: number;
  /** Set when a first run lost this many outputs and the notebook was run again. */
  retriedAfterLost?: number;
  /** The text of the first output (notebooks open by saying what data they read). */
  firstOutput: string;
  /** nbconvert's log tail when the run failed. */
  log: string;
}

/** The path of the Deno binary inside node_modules (what the package's own launcher would run). */
export function denoBinary(): string {
  const require = createRequire(import.meta.url);
  const api = require('deno/install_api.cjs') as { runInstall(): string };
  return api.runInstall();
}

/** The notebooks in run order (file name order: `01-…`, `02-…`). */
export function listNotebooks(dir = NOTEBOOKS_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .map((f) => join(dir, f));
}

/** Says what is missing when nbconvert or its kernel client cannot start; undefined when all is there. */
export function missingTools(): string | undefined {
  const probe = spawnSync('jupyter', ['nbconvert', '--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return 'jupyter nbconvert is not installed: run scripts/test.sh, or apt-get install jupyter-nbconvert';
  }
  try {
    denoBinary();
  } catch (err) {
    return `the deno npm package is not installed (npm ci): ${(err as Error).message}`;
  }
  return undefined;
}

/** A Jupyter data folder holding only the Deno kernelspec, for one run. */
function kernelHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'foryou-jupyter-'));
  const spec = join(home, 'data', 'kernels', KERNEL_NAME);
  mkdirSync(spec, { recursive: true });
  writeFileSync(
    join(spec, 'kernel.json'),
    JSON.stringify({
      argv: [denoBinary(), 'jupyter', '--kernel', '--conn', '{connection_file}'],
      display_name: 'Deno',
      language: 'typescript',
    }),
  );
  return home;
}

interface NotebookJson {
  cells: { cell_type: string; outputs?: { output_type: string; data?: Record<string, unknown> }[] }[];
}

const textOf = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');

/** Counts a notebook's outputs by kind. */
export function outputSummary(path: string): Pick<ExecuteResult, 'cells' | 'outputs' | 'firstOutput'> & {
  displays: number;
} {
  const nb = JSON.parse(readFileSync(path, 'utf8')) as NotebookJson;
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  const first = outputs[0]?.data;
  return {
    cells: nb.cells.filter((c) => c.cell_type === 'code').length,
    firstOutput: textOf(first?.['text/markdown'] ?? first?.['text/plain']),
    displays: outputs.filter((o) => o.output_type === 'display_data').length,
    outputs: {
      total: outputs.length,
      images: outputs.filter((o) => o.data && 'image/png' in o.data).length,
      errors: outputs.filter((o) => o.output_type === 'error').length,
    },
  };
}

/**
 * Executes one notebook with nbconvert and the Deno kernel. A run whose only fault is an output the
 * kernel dropped (see `show()`) is run once more, and the result says so.
 */
export async function executeNotebook(path: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
  const first = await executeOnce(path, opts);
  if (first.ok || first.lost === 0 || first.outputs.errors > 0) return first;
  const again = await executeOnce(path, opts);
  return { ...again, retriedAfterLost: first.lost };
}

async function executeOnce(path: string, opts: ExecuteOptions): Promise<ExecuteResult> {
  const notebook = resolve(path);
  const home = kernelHome();
  // The kernel runs in the notebook's own folder (relative imports resolve from there); the executed
  // copy goes to the temporary folder and replaces the notebook only when the run was clean.
  const out = join(home, 'out');
  const target = join(out, basename(notebook));
  const args = [
    'nbconvert',
    '--to',
    'notebook',
    '--execute',
    '--output-dir',
    out,
    '--output',
    basename(notebook),
    `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
    `--ExecutePreprocessor.timeout=${opts.cellTimeoutS ?? 120}`,
    '--ExecutePreprocessor.record_timing=False',
    notebook,
  ];
  const ledger = join(home, 'ledger');
  writeFileSync(ledger, '');
  const env = {
    ...process.env,
    JUPYTER_PATH: join(home, 'data'),
    JUPYTER_DATA_DIR: join(home, 'data'),
    JUPYTER_RUNTIME_DIR: join(home, 'runtime'),
    JUPYTER_CONFIG_DIR: join(home, 'config'),
    JUPYTER_PLATFORM_DIRS: '1',
    FORYOU_NOTEBOOK_DATA: opts.data ?? 'auto',
    FORYOU_NOTEBOOK_LEDGER: ledger,
    // Plain text outputs (no ANSI colours) and no update check (the network reaches only the registries).
    NO_COLOR: '1',
    DENO_NO_UPDATE_CHECK: '1',
    DENO_NO_PROMPT: '1',
    ...opts.env,
  };
  const started = performance.now();
  let log = '';
  const code = await new Promise<number | null>((resolve) => {
    // Its own process group, so a timeout kills the kernel nbconvert started too.
    const child = spawn('jupyter', args, {
      env,
      cwd: dirname(notebook),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const keep = (b: Buffer) => {
      log = (log + b.toString('utf8')).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(
      () => {
        log += `\nnotebooks: ${basename(notebook)} ran past ${opts.timeoutS ?? 300} s; killed`;
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      },
      (opts.timeoutS ?? 300) * 1000,
    );
    child.on('error', (err) => {
      log += `\n${err.message}`;
    });
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  const seconds = (performance.now() - started) / 1000;
  try {
    const name = basename(notebook);
    if (code !== 0) {
      return {
        notebook: name,
        ok: false,
        seconds,
        cells: 0,
        outputs: { total: 0, images: 0, errors: 0 },
        lost: 0,
        firstOutput: '',
        log,
      };
    }
    const { displays, ...summary } = outputSummary(target);
    const sent = readFileSync(ledger, 'utf8').split('\n').filter(Boolean).length;
    // Every display in a notebook goes through show(), so the counts match unless the kernel lost one.
    const lost = Math.max(0, sent - displays);
    if (lost > 0) log += `\nnotebooks: ${name}: show() sent ${sent} outputs, the notebook received ${displays}`;
    const ok = summary.outputs.errors === 0 && sent === displays;
    if (ok && opts.inPlace) copyFileSync(target, notebook);
    return { notebook: name, ok, seconds, ...summary, lost, log: ok ? '' : log };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
