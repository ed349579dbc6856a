import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    env: {
      // Tests only: the SDK warns that releases after January 2027 need Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Not UTC, so code that reads local time where it means UTC fails here as it would on a laptop.
      TZ: 'America/New_York',
    },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/integration/**'],
        },
      },
      {
        // Against emulators on 127.0.0.1 that this project's global setup starts and stops;
        // they start only when an integration test is selected.
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/emulators.global.ts'],
          env: {
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'tickflowtest',
            AWS_SECRET_ACCESS_KEY: 'tickflowtest',
            AWS_EC2_METADATA_DISABLED: 'true',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        },
      },
    ],
  },
});
