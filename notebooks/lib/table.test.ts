import { describe, expect, it } from 'vitest';
import { table } from './table.ts';

describe('notebook tables', () => {
  it('renders markdown with numeric columns right-aligned and pipes escaped', () => {
    const t = table([
      { model: 'a|b', recall: 0.35512, users: 6230 },
      { model: 'mf', recall: 0.3, users: null },
    ]);
    expect(t.toBundle().data['text/markdown']).toBe(
      ['| model | recall | users |', '| --- | ---: | ---: |', '| a\\|b | 0.355 | 6,230 |', '| mf | 0.300 |  |'].join(
        '\n',
      ),
    );
  });

  it('aligns the text form and keeps the column order asked for', () => {
    const t = table([{ b: 1, a: 'x' }], { columns: ['a', 'b'], digits: 1 });
    expect(t.columns).toEqual(['a', 'b']);
    expect(t.toBundle().data['text/plain']).toBe('a  b\nx  1');
  });
});
