import { describe, expect, it } from 'vitest';
import { forDialect, toSqlitePlaceholders } from './sql.ts';

describe('toSqlitePlaceholders', () => {
  it('rewrites $n as ?n outside quotes and comments', () => {
    expect(toSqlitePlaceholders('SELECT $2, $10 FROM t WHERE a = $1')).toBe('SELECT ?2, ?10 FROM t WHERE a = ?1');
    expect(toSqlitePlaceholders("SELECT '$1', 'it''s $2', \"$3\" -- $4\n, $5 /* $6 */")).toBe(
      "SELECT '$1', 'it''s $2', \"$3\" -- $4\n, ?5 /* $6 */",
    );
    expect(toSqlitePlaceholders('SELECT $a, $')).toBe('SELECT $a, $');
  });
});

describe('forDialect', () => {
  it('activates only the lines marked for the dialect', () => {
    const sql = 'CREATE TABLE t (x TEXT);\n-- sqlite: PRAGMA x;\n  -- postgres: SET y;\n-- note';
    expect(forDialect(sql, 'sqlite')).toBe('CREATE TABLE t (x TEXT);\nPRAGMA x;\n  -- postgres: SET y;\n-- note');
    expect(forDialect(sql, 'postgres')).toBe('CREATE TABLE t (x TEXT);\n-- sqlite: PRAGMA x;\nSET y;\n-- note');
  });
});
