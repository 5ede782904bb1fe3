#!/usr/bin/env node
'use strict';
// The compiled CLI (npm run build writes dist/). Kept as plain JS so the bin works without a TypeScript loader.
const { runCli, exitWhenDone } = require('../dist/cli/main.js');
runCli(process.argv.slice(2), process.stdout, process.stderr).then(exitWhenDone);
