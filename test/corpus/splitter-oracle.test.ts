/**
 * The SQLite statement splitter against SQLite's own completeness rule, `sqlite3_complete()`
 * (through Python's `sqlite3.complete_statement`): hand-picked tricky texts, texts the fuzzer
 * found, every file of the corpus's real histories (raw and canonical), and the replay of every
 * saved fuzzing regression. Needs `python3` with its sqlite3 module and the shared corpus: without
 * them this suite fails (it is never skipped).
 */
import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { CORPUS } from '../helpers/corpus.js'
import type { SplitResult } from '../../lib/dialects/dialect.js'
import { splitSqliteStatements } from '../../lib/dialects/sqlite/sqlite-splitter.js'
import {
  CompleteOracle,
  canonicalText,
  compareWithOracle,
  oracleAvailable,
} from '../reliability/sqlite-complete-oracle.js'

const split = (text: string): SplitResult => splitSqliteStatements(text)

const CORPUS_HISTORIES = ['atuin-sqlite', 'grocy-sqlite', 'pingvinshare-sqlite']
// build/test/corpus → test/fixtures/splitter-regressions (the source tree).
const REGRESSIONS = fileURLToPath(new URL('../../../test/fixtures/splitter-regressions/', import.meta.url))

if (!oracleAvailable()) {
  throw new Error('python3 with its sqlite3 module is needed for the splitter oracle (npm run test:corpus)')
}
let oracle: CompleteOracle | undefined
function getOracle(): CompleteOracle {
  oracle ??= new CompleteOracle()
  return oracle
}
after(async () => {
  await oracle?.close()
})

/** Checks each text against sqlite3_complete; fails with every disagreement. */
async function assertAgreesWithSqlite(
  texts: readonly string[],
  names: readonly string[] = texts.map((t) => JSON.stringify(t)),
): Promise<void> {
  const results = await getOracle().analyse(texts)
  const failures: string[] = []
  texts.forEach((text, i) => {
    const mismatches = compareWithOracle(text, split(text), results[i]!)
    if (mismatches.length) failures.push(`${names[i]}:\n    ${mismatches.join('\n    ')}`)
  })
  assert.deepEqual(failures, [], `${failures.length} of ${texts.length} texts disagree with sqlite3_complete`)
}

describe('agreement with sqlite3_complete', () => {
  test('hand-picked tricky texts', async () => {
    await assertAgreesWithSqlite([
      'SELECT \'a;b\'; SELECT "c;d"; SELECT [e;f]; SELECT `g;h`;',
      "SELECT 'it''s'';'; SELECT 1",
      'SELECT 1; -- c;\nSELECT 2 -- c;',
      'SELECT 1; /* c; */ /* d */ ;; ;',
      'CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT CASE WHEN 1 THEN 2 END; END; SELECT 1;',
      'CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; /* ; */ -- ;\n END ; SELECT 1;',
      'CREATE TEMPORARY TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;END;',
      'EXPLAIN CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; SELECT 2;',
      'EXPLAIN QUERY PLAN CREATE TEMP TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END; SELECT 2;',
      'CREATE TABLE trigger_log (create_at, "end", [trigger], `temp`); SELECT 1;',
      'CREATE TRIGGER t BEGIN SELECT 1; END END; SELECT 2;',
      'CREATE TRIGGER t BEGIN SELECT 1; END x; END; SELECT 2;',
      'CREATE CREATE TRIGGER t BEGIN SELECT 1; SELECT 2;',
      'CREATE TEMP TEMP TRIGGER t BEGIN SELECT 1; END; SELECT 2;',
      'EXPLAIN EXPLAIN CREATE TRIGGER t BEGIN SELECT 1; SELECT 2;',
      'SELECT 1;\v',
      'SELECT 1;\f\r\n\t',
      '\uFEFFSELECT 1;',
      '\uFEFFCREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END;',
      'SELECT 1; -- c\rSELECT 2;',
      "SELECT 1; 'unterminated",
      'SELECT 1; /* unterminated',
      'SELECT 1; -- just a comment',
      'CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1;',
      "SELECT 😀; SELECT '😀;'; SELECT 名前;",
      "$a; _b; 1e5; x'0a';",
    ])
  })

  test('texts the fuzzer found (regressions)', async () => {
    await assertAgreesWithSqlite([
      // A trigger closed by END without the final ";": a last statement, not a problem.
      'CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END',
      "CREATE trigger'';end",
      // Dotless ı: not a keyword to SQLite.
      'CREATE TRıGGER x; SELECT 1; END; SELECT 2;',
      'EXPLAıN CREATE TRIGGER x; SELECT 1; END; SELECT 2;',
    ])
  })

  test('the corpus of real histories (atuin, grocy, pingvinshare), raw and canonical', async (t) => {
    const texts: string[] = []
    const names: string[] = []
    for (const history of CORPUS_HISTORIES) {
      const folder = join(CORPUS, history, 'migrations')
      for (const file of readdirSync(folder)
        .filter((f) => f.endsWith('.sql'))
        .sort()) {
        const raw = readFileSync(join(folder, file), 'utf8')
        const canonical = canonicalText(raw)
        texts.push(canonical)
        names.push(`${history}/${file}`)
        if (raw !== canonical) {
          texts.push(raw)
          names.push(`${history}/${file} (raw)`)
        }
      }
    }
    assert.ok(texts.length >= 280, `the corpus has ${texts.length} files`)
    await assertAgreesWithSqlite(texts, names)
    const statements = texts.reduce((n, text) => n + split(text).statements.length, 0)
    t.diagnostic(`${texts.length} corpus texts, ${statements} statements`)
  })

  const regressions = existsSync(REGRESSIONS)
    ? readdirSync(REGRESSIONS)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : []
  for (const file of regressions) {
    test(`fuzzing regression ${file}`, async () => {
      const saved = JSON.parse(readFileSync(join(REGRESSIONS, file), 'utf8')) as { text: string; minimal?: string }
      const texts = saved.minimal !== undefined ? [saved.minimal, saved.text] : [saved.text]
      await assertAgreesWithSqlite(texts, saved.minimal !== undefined ? ['minimal', 'text'] : ['text'])
    })
  }
})
