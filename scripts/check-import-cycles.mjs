// Fails when the modules of lib/, codegen/, cli/ (and test/) import each other in a circle, so the layout
// keeps its shape: the engine below, codegen beside it, the CLI on top. Every relative import
// counts, `import type` and `export … from` included; a lazy `await import(…)` does not, since
// loading on demand is exactly how a lower layer may reach a heavy upper one (lib → codegen).
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const folders = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['lib', 'codegen', 'cli', 'test']

/** Every `.ts` file under `dir`, recursively. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The project files a module imports statically (relative specifiers, `.js` → `.ts`). */
function staticImports(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false)
  const imports = []
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) {
      imports.push(resolve(dirname(file), specifier.text.replace(/\.js$/, '.ts')))
    }
  }
  return imports
}

const files = folders.flatMap((folder) => sources(join(root, folder)))
const graph = new Map(files.map((file) => [file, staticImports(file)]))

// Depth-first search; a back edge to a module still on the stack closes a cycle.
const cycles = []
const state = new Map() // file → 'active' | 'done'
function visit(file, stack) {
  state.set(file, 'active')
  stack.push(file)
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue
    if (state.get(next) === 'active') cycles.push([...stack.slice(stack.indexOf(next)), next])
    else if (!state.has(next)) visit(next, stack)
  }
  stack.pop()
  state.set(file, 'done')
}
for (const file of files) if (!state.has(file)) visit(file, [])

if (cycles.length > 0) {
  for (const cycle of cycles) console.error(`import cycle: ${cycle.map((file) => relative(root, file)).join(' → ')}`)
  console.error(
    `${cycles.length} import cycle(s) in ${folders.join(', ')}: break them (move the shared part down a layer)`,
  )
  process.exit(1)
}
console.log(`no import cycles in ${files.length} modules of ${folders.join(', ')}`)
