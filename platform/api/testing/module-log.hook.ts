/**
 * Preloaded with `node --import` by tests: records the URL of every module the process loads and
 * writes the list to `$MODULE_LOG` when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const r = next(specifier, context);
    loaded.add(r.url);
    return r;
  },
});
process.on('exit', () => {
  if (process.env.MODULE_LOG) writeFileSync(process.env.MODULE_LOG, [...loaded].join('\n'));
});
