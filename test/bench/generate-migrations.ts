import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Writes a realistic migration history: tables with defaults, foreign keys and indexes, inserts
 * whose strings contain `;` and quotes, ALTER TABLE ADD COLUMN, triggers with CASE … END in the
 * body, views, and comments. Deterministic for a given count and prefix.
 *
 * @returns the folder written.
 */
export function generateMigrations(dir: string, count: number, prefix = 't'): string {
  mkdirSync(dir, { recursive: true })
  const width = Math.max(3, String(count).length)
  if (prefix === DATA_ONLY) return generateDataMigrations(dir, count, width)
  let tables = 0
  for (let i = 1; i <= count; i++) {
    const kind = i === 1 ? 0 : i % 6
    let sql: string
    const last = `${prefix}${Math.max(1, tables)}`
    switch (kind) {
      case 0:
      case 3: {
        tables++
        const name = `${prefix}${tables}`
        const ref = tables > 1 ? `,\n  parent_id INTEGER REFERENCES ${prefix}${tables - 1} (id) ON DELETE SET NULL` : ''
        sql = [
          `-- Migration: create ${name}`,
          `CREATE TABLE ${name} (`,
          '  id INTEGER PRIMARY KEY,',
          "  name TEXT NOT NULL DEFAULT 'unnamed; really',",
          '  amount NUMERIC(10, 2),',
          '  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP' + ref,
          ');',
          `CREATE INDEX idx_${name}_name ON ${name} (name);`,
          `/* seed; with a semicolon in a comment */`,
          `INSERT INTO ${name} (name, amount) VALUES ('first; row', 1.5), ('it''s; second', 2);`,
        ].join('\n')
        break
      }
      case 1:
        sql = [
          `-- more rows for ${last}; the strings contain semicolons`,
          `INSERT INTO ${last} (name, amount) VALUES`,
          Array.from({ length: 5 }, (_, k) => `  ('row ${i}.${k}; "quoted"', ${k}.25)`).join(',\n') + ';',
          `UPDATE ${last} SET amount = amount * 2 WHERE name LIKE 'row%;%';`,
        ].join('\n')
        break
      case 2:
        sql = `ALTER TABLE ${last} ADD COLUMN extra_${i} TEXT DEFAULT 'x;y';\nCREATE INDEX idx_${last}_extra_${i} ON ${last} (extra_${i});`
        break
      case 4:
        sql = [
          `CREATE TRIGGER trg_${prefix}_${i} AFTER INSERT ON ${last}`,
          'BEGIN',
          `  UPDATE ${last} SET name = CASE WHEN new.name IS NULL THEN 'none;' ELSE new.name END WHERE id = new.id;`,
          '  -- END; inside a comment does not end the trigger',
          `  SELECT CASE WHEN new.amount < 0 THEN RAISE(ABORT, 'negative; amount') END;`,
          'END;',
        ].join('\n')
        break
      default:
        sql = `CREATE VIEW v_${prefix}_${i} AS\n  SELECT id, name, amount * 100 AS cents FROM ${last} WHERE name <> ';';`
    }
    const filename = `${String(i).padStart(width, '0')}_${kindName(kind)}_${i}.sql`
    writeFileSync(join(dir, filename), `${sql}\n`)
  }
  return dir
}

function kindName(kind: number): string {
  return ['create_table', 'insert_rows', 'add_column', 'create_table', 'add_trigger', 'create_view'][kind] as string
}

/** Pass as `prefix` for a history of one table and then only data changes (memory tests). */
export const DATA_ONLY = '\u0000data'

// A long history whose schema stays small: what is measured is the runner, not SQLite's schema.
function generateDataMigrations(dir: string, count: number, width: number): string {
  for (let i = 1; i <= count; i++) {
    const sql =
      i === 1
        ? 'CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload TEXT);\nCREATE INDEX idx_events_kind ON events (kind);'
        : `-- data change ${i}; semicolons in comments and strings\n` +
          // Notes such as real migrations carry, so that holding texts would show in memory.
          `/* ${'Why: keep the events table in step with the new export format; '.repeat(30)}*/\n` +
          `INSERT INTO events (kind, payload) VALUES ('k${i % 7}', 'payload; ${i}'), ('k${(i + 1) % 7}', 'it''s; ${i}');\n` +
          `UPDATE events SET payload = payload || ';' WHERE id = ${i};`
    writeFileSync(join(dir, `${String(i).padStart(width, '0')}_data_${i}.sql`), `${sql}\n`)
  }
  return dir
}
