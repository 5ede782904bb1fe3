#!/usr/bin/env node
'use strict';
// Plain JS so the bin works without a TypeScript loader, and old enough syntax to refuse an old Node in words.
var major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write('lockstep needs Node.js 22 or newer; this is ' + process.version + ' (' + process.execPath + ').\n');
  process.exit(1);
}
// V8's young generation capped at 2 × 8 MiB semi-spaces: Node.js 24 lets it grow to 2 × 64 MiB, which a pipeline
// allocating per record at full speed can reach, for ~100 MiB more RSS and more CPU per record; 8 held less RSS than
// 16 (Node.js 20's size) at no more CPU per record, back to back over 10M records (docs/benchmarks.md, "Memory under
// full load"). V8 takes the size only at start (v8.setFlagsFromString later leaves it as it was), so the CLI replaces
// its own process with one started with the flag (process.execve: same process id, stdio and signals; Node.js 22.15
// or newer, not on Windows, where it runs on with Node's default). A --max-semi-space-size the user gave, in
// NODE_OPTIONS or on node's command line, wins.
var SEMI_SPACE_FLAG = '--max-semi-space-size=8';
var given = /--max[-_]semi[-_]space[-_]size\b/;
if (typeof process.execve === 'function' && !given.test(process.env.NODE_OPTIONS || '') && !process.execArgv.some(function (flag) { return given.test(flag); })) {
  var execArgv = process.execArgv.concat([SEMI_SPACE_FLAG]);
  try {
    process.execve(process.execPath, [process.execPath].concat(execArgv, process.argv.slice(1)), process.env);
  } catch (error) {
    // not replaced (e.g. the executable cannot be run again): run on with Node's default
  }
}
// The compiled CLI (npm run build writes dist/).
const { runCli, exitWhenDone } = require('../dist/cli/main.js');
runCli(process.argv.slice(2), process.stdout, process.stderr).then(exitWhenDone);
