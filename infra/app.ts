/**
 * The CDK app: `cd infra && npx cdk synth` (or `deploy`). Options come from the context in
 * cdk.json or `-c key=value` (see `TickflowOptions`); the functions run dist/lambda, which
 * `npm run build` writes.
 */
import { App } from 'aws-cdk-lib';
import { TickflowStack, tickflowOptions } from './tickflow-stack.js';

const app = new App();
const options = tickflowOptions(app.node);
new TickflowStack(app, options.stackName ?? 'Tickflow', options);
