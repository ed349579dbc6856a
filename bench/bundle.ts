/**
 * The bench's child processes run a bundle of their script under plain `node`, as a user runs
 * tickflow's npm build, not the TypeScript through tsx.
 *
 * Why: under tsx, importing technicalindicators (a CommonJS package) from a `.ts` file
 * detaches an ArrayBuffer somewhere in tsx's loading; the same import under plain node does
 * not, nor does tsx loading a small `.ts` file. Once any buffer in a process has been
 * detached, V8 checks on every typed-array access whether its buffer still exists:
 * TrendBook's loop over 100 symbols ran 17.4 ns/tick under tsx against 15.2 ns/tick for the
 * same code bundled (its machine code has that test at each of 20 accesses under tsx, none
 * bundled). The peers keep their numbers in plain arrays and objects, so only tickflow and the
 * bare loop paid it.
 */
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Inside the package, so the bundles' imports of npm packages resolve from its node_modules. */
const OUT = join(ROOT, 'node_modules', '.cache', 'tickflow-bench');
const built = new Map<string, Promise<string>>();

/**
 * Bundles a bench script (its own code and tickflow's source; npm packages stay imports, as a
 * user's app would load them) into an ES module built as `npm run build` builds the package
 * (tsup: esbuild, target node20), once per run. Returns the bundle's path.
 */
export function bundled(script: string): Promise<string> {
  let out = built.get(script);
  if (out === undefined) {
    const outfile = join(OUT, `${relative(ROOT, script).replaceAll('/', '-').replace(/\.ts$/, '')}.mjs`);
    out = build({
      entryPoints: [script],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    }).then(() => outfile);
    built.set(script, out);
  }
  return out;
}
