#!/usr/bin/env node
'use strict';
// Plain JS so the bin works without a TypeScript loader, and old enough syntax to refuse an old Node in words.
var major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write('lockstep needs Node.js 22 or newer; this is ' + process.version + ' (' + process.execPath + ').\n');
  process.exit(1);
}
// The compiled CLI (npm run build writes dist/).
const { runCli, exitWhenDone } = require('../dist/cli/main.js');
runCli(process.argv.slice(2), process.stdout, process.stderr).then(exitWhenDone);
