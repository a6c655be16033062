/**
 * Layer rules of the repository (issue 8), checked by `npm run check:layers`.
 *
 * - src/ is the core: it imports only src/ and packages.
 * - adapters/<name>/ import only src/ and their own folder.
 * - infra/ imports src/, adapters/ and infra/.
 * - examples/<name>/ and bench/ import the package only by its public entry points
 *   ('spillway', 'spillway/aws-lambda', ...), which resolve to dist/ through the
 *   "exports" of package.json; no relative import leaves their own folder.
 * - no module imports anything under test/integration/ (shared test helpers live in test/support/).
 * - src/ has no import cycles.
 *
 * There is no list of exceptions: a violation is fixed in the code, not here.
 */

/** Modules that are not files of this repository: packages and Node built-ins. */
const external = { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown', 'core'] };

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'src-imports-only-src',
      comment: 'The core (src/) imports nothing from adapters/, infra/, test/, examples/, bench/ or dist/.',
      severity: 'error',
      from: { path: '^src/' },
      to: { pathNot: ['^src/'], dependencyTypesNot: external.dependencyTypes },
    },
    {
      name: 'adapters-import-only-src',
      comment: 'An adapter imports only src/ and files of its own folder (not another adapter, not infra/).',
      severity: 'error',
      from: { path: '^adapters/([^/]+)/' },
      to: { pathNot: ['^src/', '^adapters/$1/'], dependencyTypesNot: external.dependencyTypes },
    },
    {
      name: 'infra-imports-src-and-adapters',
      comment: 'infra/ imports src/, adapters/ and infra/ only.',
      severity: 'error',
      from: { path: '^infra/' },
      to: { pathNot: ['^src/', '^adapters/', '^infra/'], dependencyTypesNot: external.dependencyTypes },
    },
    {
      name: 'examples-import-public-entries',
      comment:
        "An example imports the package only by name ('spillway', 'spillway/aws-lambda', ...; resolved to dist/ by the package exports); no relative import leaves its own folder.",
      severity: 'error',
      from: { path: '^examples/([^/]+)/' },
      to: { pathNot: ['^examples/$1/', '^dist/'], dependencyTypesNot: external.dependencyTypes },
    },
    {
      name: 'examples-import-dist-by-name',
      comment: "An example reaches dist/ only through the package name ('spillway/...'), never by a relative path.",
      severity: 'error',
      from: { path: '^examples/' },
      to: { path: '^dist/', dependencyTypes: ['local'] },
    },
    {
      name: 'bench-imports-public-entries',
      comment:
        "bench/ imports the package only by name ('spillway', 'spillway/dev', ...; resolved to dist/ by the package exports); no relative import leaves bench/ (bench/fixtures/ belongs to bench/).",
      severity: 'error',
      from: { path: '^bench/' },
      to: { pathNot: ['^bench/', '^dist/'], dependencyTypesNot: external.dependencyTypes },
    },
    {
      name: 'bench-imports-dist-by-name',
      comment: "bench/ reaches dist/ only through the package name ('spillway/...'), never by a relative path.",
      severity: 'error',
      from: { path: '^bench/' },
      to: { path: '^dist/', dependencyTypes: ['local'] },
    },
    {
      name: 'nothing-imports-integration-tests',
      comment: 'test/integration/ holds only tests; shared test helpers live in test/support/.',
      severity: 'error',
      from: {},
      to: { path: '^test/integration/' },
    },
    {
      name: 'no-cycles-in-src',
      comment: 'The core has no import cycles.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-unresolvable-imports',
      comment: 'Every import resolves (for the package self-references this needs dist/: run `npx tsup` first).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'types', 'node', 'default'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.mts', '.js', '.mjs', '.d.ts', '.d.mts', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
