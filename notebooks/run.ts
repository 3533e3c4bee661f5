/**
 * `npm run notebooks -- [--write] [--data auto|kuairand|synthetic] [--timeout 300] [names…]`
 * Executes every notebook (or those named) headless and fails when a cell raises or a notebook runs
 * past its budget. Without --write the executed copies are thrown away (a check); with --write the
 * outputs are saved into the notebooks, to be committed.
 */
import { parseArgs } from 'node:util';
import { executeNotebook, listNotebooks, missingTools, type NotebookDataChoice } from './execute.ts';

const USAGE = 'usage: npm run notebooks -- [--write] [--data auto|kuairand|synthetic] [--timeout SECONDS] [NAME…]';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      write: { type: 'boolean', default: false },
      data: { type: 'string', default: 'auto' },
      timeout: { type: 'string', default: '300' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const data = values.data as NotebookDataChoice;
  if (!['auto', 'kuairand', 'synthetic'].includes(data))
    throw new Error(`--data ${data}: expected auto, kuairand or synthetic\n${USAGE}`);
  const timeoutS = Number(values.timeout);
  if (!(timeoutS > 0)) throw new Error(`--timeout ${values.timeout}: expected seconds > 0`);
  const missing = missingTools();
  if (missing) throw new Error(missing);
  const all = listNotebooks();
  const picked = positionals.length === 0 ? all : all.filter((p) => positionals.some((n) => p.includes(n)));
  if (picked.length === 0) throw new Error(`no notebook matches ${positionals.join(', ')}`);

  let failed = 0;
  for (const nb of picked) {
    const r = await executeNotebook(nb, { data, inPlace: values.write, timeoutS });
    const what = `${r.cells} cells, ${r.outputs.total} outputs, ${r.outputs.images} images`;
    const retried = r.retriedAfterLost
      ? `; run twice, the kernel dropped ${r.retriedAfterLost} output(s) the first time`
      : '';
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.notebook}  ${r.seconds.toFixed(1)} s  (${what}${retried})`);
    if (!r.ok) {
      failed++;
      // nbconvert prints a Python traceback first; the failing cell and its error follow this marker.
      const at = r.log.indexOf('An error occurred while executing the following cell');
      console.error((at >= 0 ? r.log.slice(at) : r.log).trim().split('\n').slice(-60).join('\n'));
    }
  }
  console.log(
    `${picked.length - failed} passed, ${failed} failed (data: ${data}${values.write ? ', outputs written' : ''})`,
  );
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`notebooks: ${err.message}`);
    process.exit(2);
  },
);
