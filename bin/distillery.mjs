#!/usr/bin/env node
// The `distillery` command. Runs the TypeScript sources through tsx, so an
// `npm install` is all a user needs (no build step for the CLI).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
await main();
