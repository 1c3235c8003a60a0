#!/usr/bin/env node
// Entry point for `freshet` / `npx freshet`: the CLI that scripts/build.mjs bundles into dist/.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('freshet: dist/cli.js is missing: build it with `npm run build` (npm ci and npm install build it too)');
  process.exit(1);
}
await import(cli.href);
