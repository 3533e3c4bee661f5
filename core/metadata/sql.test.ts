import { describe, expect, it } from 'vitest';
import { forDialect, inList, toSqlitePlaceholders, valuesList } from './sql.ts';

describe('toSqlitePlaceholders', () => {
  it('rewrites $n as ?n outside quotes and comments', () => {
    expect(toSqlitePlaceholders('SELECT $2, $10 FROM t WHERE a = $1')).toBe('SELECT ?2, ?10 FROM t WHERE a = ?1');
    expect(toSqlitePlaceholders("SELECT '$1', 'it''s $2', \"$3\" -- $4\n, $5 /* $6 */")).toBe(
      "SELECT '$1', 'it''s $2', \"$3\" -- $4\n, ?5 /* $6 */",
    );
    expect(toSqlitePlaceholders('SELECT $a, $')).toBe('SELECT $a, $');
  });
});

describe('inList and valuesList', () => {
  it('number placeholders in order, from where they are told to start', () => {
    expect(inList(3)).toBe('$1, $2, $3');
    expect(inList(2, 4)).toBe('$4, $5');
    expect(valuesList(2, 3)).toBe('($1, $2, $3), ($4, $5, $6)');
    expect(valuesList(0, 3)).toBe('');
  });
});

describe('forDialect', () => {
  it('activates only the lines marked for the dialect', () => {
    const sql = 'CREATE TABLE t (x TEXT);\n-- sqlite: PRAGMA x;\n  -- postgres: SET y;\n-- note';
    expect(forDialect(sql, 'sqlite')).toBe('CREATE TABLE t (x TEXT);\nPRAGMA x;\n  -- postgres: SET y;\n-- note');
    expect(forDialect(sql, 'postgres')).toBe('CREATE TABLE t (x TEXT);\n-- sqlite: PRAGMA x;\nSET y;\n-- note');
  });
});
