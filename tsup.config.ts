import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // The library: ESM + CJS + declarations; dependencies stay external.
    entry: { index: 'src/index.ts', aws: 'src/aws.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    // import.meta.url in the CommonJS build (the report inlines a file of lightweight-charts found from it).
    shims: true,
    target: 'node20',
    outDir: 'dist',
  },
  {
    // The `tickflow` command (ESM; the shebang of src/cli/bin.ts is kept).
    entry: { cli: 'src/cli/bin.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    outDir: 'dist',
  },
]);
