/**
 * The layer rules of DESIGN.md §2, checked by `npm run lint`.
 * domain → ports ← adapters; handlers and cli build containers; nothing imports them back.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports only src/domain and src/ports: no SDK, no npm package, no node: module, no adapter.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/(domain|ports)/' },
    },
    {
      name: 'ports-import-nothing-of-ours',
      comment: 'src/ports imports nothing outside src/ports (and no package).',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: '^src/ports/' },
    },
    {
      name: 'adapters-below-the-composition-root',
      comment: 'Adapters may use ports and domain types, never handlers, cli or the containers.',
      severity: 'error',
      from: { path: '^src/adapters/' },
      to: { path: '^src/(handlers|cli|container)/' },
    },
    {
      name: 'local-and-aws-adapters-stay-apart',
      severity: 'error',
      from: { path: '^src/adapters/(local|sources)/' },
      to: { path: '^src/adapters/aws/' },
    },
    {
      name: 'aws-adapters-stay-apart-from-local',
      severity: 'error',
      from: { path: '^src/adapters/aws/' },
      to: { path: '^src/adapters/(local|sources)/' },
    },
    {
      name: 'the-cli-is-a-leaf',
      comment: 'Nothing imports the command line.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'handlers-are-wired-only-by-composition-roots',
      comment: 'Handlers (event mapping to a use case) are imported only by containers, the CLI and the package index.',
      severity: 'error',
      from: { path: '^src/(domain|ports|adapters)/' },
      to: { path: '^src/handlers/' },
    },
    {
      name: 'handlers-build-no-container',
      comment: 'A handler maps an event to a use case it is given; building the AWS container is the job of its entry point in src/lambda.',
      severity: 'error',
      from: { path: '^src/handlers/' },
      to: { path: '^src/(container|lambda)/' },
    },
    {
      name: 'lambda-entry-points-are-leaves',
      comment: 'The deployable entry points (src/lambda) are imported by nothing but the package index.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(index\\.ts|lambda/)' },
      to: { path: '^src/lambda/' },
    },
    {
      name: 'handlers-stay-thin',
      comment: 'A handler maps an event to a use case: it may use ports, domain use-case types, the Lambda event mapping and the containers, not adapters that do I/O.',
      severity: 'error',
      from: { path: '^src/handlers/' },
      to: { path: '^src/adapters/(local|aws|sources|shared)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
