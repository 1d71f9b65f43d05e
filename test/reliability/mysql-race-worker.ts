// A real process that migrates every skill of a folder with the library (migrateSkills), for the
// MariaDB race and crash tests. It loads fully, prints "ready" and waits for a line on stdin (a
// barrier), so the processes of a race start their runs at the same instant. It prints
// `progress <skill> <version>` as each migration finishes, then one JSON line:
// `{"applied":["skill:version",…],"error":…}`.
//
// usage: mysql-race-worker <json: { url, skills, lockTimeoutMs? }>
import { migrateSkills, searchSkills } from '../../lib/index.js'

export interface MysqlWorkerConfig {
  readonly url: string
  /** A folder of skills. */
  readonly skills: string
  readonly lockTimeoutMs?: number
}

export interface MysqlWorkerReport {
  /** `skill:version` of every migration this process applied. */
  readonly applied: string[]
  readonly error: string | undefined
}

const config = JSON.parse(process.argv[2] ?? 'null') as MysqlWorkerConfig | null
if (!config) throw new Error('usage: mysql-race-worker <json options>')

process.stdout.write('ready\n')
process.stdin.once('data', async () => {
  const { skills } = searchSkills([config.skills], { mustExist: true })
  const result = await migrateSkills(skills, {
    database: config.url,
    lockTimeoutMs: config.lockTimeoutMs,
    codegen: false,
    onProgress: ({ migration }) => void process.stdout.write(`progress ${migration.skill} ${migration.version}\n`),
  })
  const report: MysqlWorkerReport = {
    applied: result.applied.map((m) => `${m.skill}:${m.version}`),
    error: result.error?.message,
  }
  process.stdout.write(`${JSON.stringify(report)}\n`)
  process.exitCode = result.error ? 1 : 0
  process.stdin.destroy()
})
