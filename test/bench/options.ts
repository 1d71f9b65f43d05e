/**
 * Options of `npm run bench -- …` (each also as an environment variable):
 * - `--only sqlite,types,memory,pg,mysql` (BENCH_ONLY): the sections to run; all by default.
 * - `--runs N` (BENCH_RUNS): measured rounds per comparison after one warm-up (default 3; MariaDB
 *   W5 defaults to one round without a warm-up, since our run of it takes minutes here).
 * - `--quick` (BENCH_QUICK=1): a smoke test — one round, no warm-up, histories a tenth the size.
 * - `--psql-per-process` (BENCH_PSQL_PER_PROCESS=1): also time one `psql` process per file
 *   (about 100 ms of client start-up per file here, so it is off by default).
 */
export const SECTIONS = ['sqlite', 'types', 'memory', 'pg', 'mysql'] as const
export type Section = (typeof SECTIONS)[number]

export interface BenchOptions {
  readonly sections: ReadonlySet<Section>
  readonly runs: number
  /** Whether --runs / BENCH_RUNS was given (otherwise slow rows may use fewer rounds). */
  readonly runsGiven: boolean
  readonly quick: boolean
  readonly warmUp: boolean
  readonly psqlPerProcess: boolean
  /** Sizes of the workloads (a tenth in quick mode). */
  readonly size: {
    readonly w1: number
    readonly w3Skills: number
    readonly w2Skills: number
    readonly server: number
    readonly types: number
  }
}

const ALIASES: Record<string, Section> = { postgres: 'pg', postgresql: 'pg', mariadb: 'mysql' }

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const value = (flag: string): string | undefined => {
    const index = argv.indexOf(flag)
    if (index >= 0) return argv[index + 1]
    return argv.find((arg) => arg.startsWith(`${flag}=`))?.slice(flag.length + 1)
  }
  const known = new Set(['--only', '--runs', '--quick', '--psql-per-process'])
  for (const arg of argv) {
    if (arg.startsWith('--') && !known.has(arg.split('=')[0] as string)) {
      throw new Error(`unknown option ${arg}: use --only ${SECTIONS.join(',')}, --runs N, --quick, --psql-per-process`)
    }
  }
  const quick = argv.includes('--quick') || env.BENCH_QUICK === '1'
  const only = value('--only') ?? env.BENCH_ONLY
  const sections = new Set<Section>()
  for (const name of (only ?? SECTIONS.join(',')).split(',').map((s) => s.trim().toLowerCase())) {
    const section = ALIASES[name] ?? name
    if (!(SECTIONS as readonly string[]).includes(section)) {
      throw new Error(`unknown section "${name}" in --only: choose from ${SECTIONS.join(', ')}`)
    }
    sections.add(section as Section)
  }
  const given = value('--runs') ?? env.BENCH_RUNS
  const runs = Number(given ?? (quick ? 1 : 3))
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1`)
  return {
    sections,
    runs,
    runsGiven: given !== undefined,
    quick,
    warmUp: !quick,
    psqlPerProcess: argv.includes('--psql-per-process') || env.BENCH_PSQL_PER_PROCESS === '1',
    size: quick
      ? { w1: 100, w3Skills: 20, w2Skills: 5, server: 100, types: 30 }
      : { w1: 1000, w3Skills: 200, w2Skills: 50, server: 1000, types: 300 },
  }
}
