#!/usr/bin/env node
/**
 * Builds one self-contained ESM bundle per Lambda handler for the nodejs22.x runtime:
 * dist/lambda/<name>.mjs (+ .mjs.map, + a .d.mts that types its `handler`). The AWS SDK v3
 * clients are bundled, so the deployed code is exactly the tested code. Runs after tsup in
 * `npm run build`; `node scripts/build-lambdas.mjs` alone rebuilds just the bundles.
 *
 * The build fails when a bundle holds a package its function never runs (DuckDB, the chart
 * library, yahoo-finance2 outside produce, an SDK client another function uses), lacks
 * reflect-metadata, or outgrows its size budget: what each function carries is checked, not
 * hoped for.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// --verbose lists every package in each bundle, with its bytes.
const verbose = process.argv.includes('--verbose');
const outDir = join(root, 'dist', 'lambda');

/** What each bundle must not hold, beyond what none may hold, and its size budget. */
const NEVER = ['@duckdb/', 'lightweight-charts', 'playwright-core', 'fast-check', 'aws-sdk-client-mock', 'kinesalite', 'fauxqs'];
const HANDLERS = {
  ingest: {
    exported: 'ingestHandler',
    without: ['yahoo-finance2', '@aws-sdk/client-athena', '@aws-sdk/client-glue', '@aws-sdk/client-kinesis', '@aws-sdk/client-sns'],
    budget: 800_000,
  },
  trend: {
    exported: 'trendHandler',
    without: ['yahoo-finance2', '@aws-sdk/client-athena', '@aws-sdk/client-glue', '@aws-sdk/client-kinesis', '@aws-sdk/client-s3'],
    budget: 700_000,
  },
  produce: {
    exported: 'produceHandler',
    without: ['@aws-sdk/client-athena', '@aws-sdk/client-glue', '@aws-sdk/client-dynamodb', '@aws-sdk/client-sns'],
    budget: 1_300_000,
  },
  query: {
    exported: 'queryHandler',
    without: ['yahoo-finance2', '@aws-sdk/client-dynamodb', '@aws-sdk/client-kinesis', '@aws-sdk/client-sns'],
    budget: 1_000_000,
  },
};
const REQUIRED = ['reflect-metadata'];

/**
 * yahoo-finance2 3.x imports its own test helper (`tests/fetchCache.js`, which imports Deno's
 * `@std/testing` and `@gadicc/fetch-mock-cache`, not installed) from `fetchDevel()`, a
 * development-only fetch that nothing calls unless asked for. The bundle gets a module that
 * says so instead of a build error.
 */
const omitYahooTestHelper = {
  name: 'omit-yahoo-finance2-test-helper',
  setup(b) {
    b.onResolve({ filter: /\/tests\/fetchCache\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'yahoo-finance2')}`) ? { path: args.path, namespace: 'omitted' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'omitted' }, () => ({
      contents: `throw new Error("yahoo-finance2's development fetch cache (tests/fetchCache.js) is not part of the tickflow Lambda bundles");`,
      loader: 'js',
    }));
  },
};

/** The package an input file of the bundle belongs to (`@aws-sdk/client-s3`), or `tickflow`. */
function packageOf(input) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m?.[1] ?? (input.startsWith('omitted:') ? 'yahoo-finance2' : 'tickflow');
}

await rm(outDir, { recursive: true, force: true });
await mkdir(outDir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.keys(HANDLERS).map((name) => [name, `src/lambda/${name}.ts`])),
  outdir: outDir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: false,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  // The SDK's ES module builds tree-shake better than its CommonJS ones.
  mainFields: ['module', 'main'],
  minify: true,
  treeShaking: true,
  // Maps for readable stack traces (NODE_OPTIONS=--enable-source-maps); the sources themselves
  // are not embedded, which keeps each map a fifth of the size.
  sourcemap: true,
  sourcesContent: false,
  charset: 'utf8',
  // CommonJS inside an ES module bundle still calls require() for Node built-ins, and
  // @deno/shim-deno (under yahoo-finance2) reads __dirname as it loads.
  banner: {
    js: [
      "import{createRequire as __tickflowRequire}from'node:module';",
      "import{dirname as __tickflowDirname}from'node:path';",
      "import{fileURLToPath as __tickflowPath}from'node:url';",
      'const require=__tickflowRequire(import.meta.url),__filename=__tickflowPath(import.meta.url),__dirname=__tickflowDirname(__filename);',
    ].join(''),
  },
  plugins: [omitYahooTestHelper],
  metafile: true,
  logLevel: 'warning',
});

const problems = [];
const rows = [];
for (const [name, spec] of Object.entries(HANDLERS)) {
  const file = join(outDir, `${name}.mjs`);
  const output = result.metafile.outputs[relative(root, file)];
  if (output === undefined) throw new Error(`esbuild wrote no ${relative(root, file)}`);
  const bytes = (await stat(file)).size;
  const byPackage = new Map();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = packageOf(input);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
  }
  for (const pkg of [...NEVER, ...spec.without]) {
    for (const held of byPackage.keys()) {
      if (held === pkg || held.startsWith(pkg)) problems.push(`${name}.mjs holds ${held}, which the ${name} function never runs`);
    }
  }
  for (const pkg of REQUIRED) if (!byPackage.has(pkg)) problems.push(`${name}.mjs lacks ${pkg}`);
  if (bytes > spec.budget) problems.push(`${name}.mjs is ${bytes} bytes, over its budget of ${spec.budget}`);
  // `import { handler } from 'tickflow/lambda/ingest'` gets the entry point's type from the library's declarations.
  await writeFile(join(outDir, `${name}.d.mts`), `export { ${spec.exported} as handler } from '../index.js';\n`);
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, verbose ? undefined : 4);
  rows.push([`${name}.mjs`, kb(bytes), top.map(([p, n]) => `${p} ${kb(n)}`).join(verbose ? '\n      ' : ', ')]);
}

console.log(`Lambda bundles (nodejs22.x, ESM, minified) in ${relative(root, outDir)}/`);
for (const [file, size, top] of rows)
  console.log(`  ${file.padEnd(12)} ${size.padStart(9)}   ${verbose ? 'packages:\n      ' : 'largest: '}${top}`);
if (problems.length > 0) {
  for (const p of problems) console.error(`build-lambdas: ${p}`);
  process.exit(1);
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(verbose ? 1 : 0)} KiB`;
}
