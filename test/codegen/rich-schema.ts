import { join } from 'node:path'
import type { CodegenTarget } from '../../codegen/index.js'
import { migrationsDir } from '../helpers/temp.js'
import { applySkills } from './helpers.js'

/**
 * The golden schema: every SQLite type the mapper knows, nullable and not, defaults,
 * AUTOINCREMENT, generated columns, views, WITHOUT ROWID, STRICT, FTS5, odd names, a table
 * altered by a later migration of another skill, and a dropped table.
 */
export const CORE_MIGRATIONS: Record<string, string> = {
  '001_init.sql': `
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  email         TEXT NOT NULL,
  display_name  TEXT,
  created_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
  is_admin      BOOLEAN NOT NULL DEFAULT 0,
  settings      JSON,
  age           INT,
  visits        BIGINT NOT NULL DEFAULT 0,
  score         REAL NOT NULL DEFAULT 0.0,
  ratio         DOUBLE,
  balance       DECIMAL(10,2),
  avatar        BLOB,
  born          DATE,
  last_seen     DATETIME,
  nickname      VARCHAR(40),
  misc,
  legacy_code   STRING,
  weight        FLOATING POINT,
  email_domain  TEXT GENERATED ALWAYS AS (substr(email, instr(email, '@') + 1)) VIRTUAL,
  name_length   INTEGER AS (coalesce(length(display_name), 0)) STORED NOT NULL
);

CREATE TABLE events (
  seq      INTEGER PRIMARY KEY AUTOINCREMENT,
  kind     TEXT NOT NULL CHECK (kind IN ('login', 'logout')),
  payload  JSON NOT NULL DEFAULT '{}',
  at       TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE "order items" (
  "item id"      TEXT NOT NULL,
  "qty;""x"""    INTEGER NOT NULL DEFAULT 1,
  [bracket col]  TEXT,
  \`back tick\`  REAL,
  "it's"         TEXT,
  PRIMARY KEY ("item id")
) WITHOUT ROWID;

CREATE TABLE settings_kv (key TEXT PRIMARY KEY NOT NULL, value ANY, updated INTEGER) STRICT;

CREATE TABLE "2fa codes" (
  code              TEXT NOT NULL,
  user_id           INTEGER NOT NULL REFERENCES users(id),
  checklist_item_1  TEXT
);

CREATE TABLE user_profiles (user_id INTEGER PRIMARY KEY REFERENCES users(id), bio TEXT);
CREATE TABLE UserProfiles (id INTEGER PRIMARY KEY, note TEXT);
CREATE TABLE desc_pk (k INTEGER PRIMARY KEY DESC, v TEXT);
CREATE TABLE text_pk (code TEXT PRIMARY KEY, label TEXT NOT NULL);

CREATE VIEW active_admins AS
  SELECT id, email, settings, created_at, email_domain, visits + 1 AS next_visit FROM users WHERE is_admin = 1;

CREATE VIRTUAL TABLE notes_fts USING fts5(title, body);
`,
  '002_import.sql': 'CREATE TABLE temp_import (line TEXT);\n',
  '003_cleanup.sql': "DROP TABLE temp_import;\nALTER TABLE users ADD COLUMN motto TEXT DEFAULT 'n/a';\n",
}

export const BILLING_MIGRATIONS: Record<string, string> = {
  '001_invoices.sql': `
CREATE TABLE invoices (
  id        INTEGER PRIMARY KEY,
  user_id   INTEGER NOT NULL REFERENCES users(id),
  total     NUMERIC NOT NULL,
  paid      BOOL NOT NULL DEFAULT FALSE,
  issued_on DATE NOT NULL DEFAULT CURRENT_DATE
);
ALTER TABLE users ADD COLUMN plan TEXT NOT NULL DEFAULT 'free';
CREATE VIEW unpaid AS SELECT id, user_id, total FROM invoices WHERE NOT paid;
`,
}

/** Creates the two skills in `root`, applies them to `root/agent.db`, and returns the targets. */
export async function richSchema(
  root: string,
): Promise<{ database: string; core: CodegenTarget; billing: CodegenTarget }> {
  const database = join(root, 'agent.db')
  const core = { skill: 'core', migrationsDir: migrationsDir(join(root, 'core'), CORE_MIGRATIONS) }
  const billing = { skill: 'billing', migrationsDir: migrationsDir(join(root, 'billing'), BILLING_MIGRATIONS) }
  await applySkills(database, [
    { name: 'core', migrationsDir: core.migrationsDir },
    { name: 'billing', migrationsDir: billing.migrationsDir },
  ])
  return { database, core, billing }
}
