'use strict';
// Preloaded by bench/memory.bench.ts into the processes it measures (node --require): every
// LOCKSTEP_MEMORY_SAMPLE_MS (default 250) it appends one JSON line of process.memoryUsage(), the CPU time so far
// (user + system, ms) and the V8 heap spaces'
// used sizes to the file LOCKSTEP_MEMORY_SAMPLES. Plain JS so the lockstep CLI is measured without a TypeScript loader.
const fs = require('node:fs');
const v8 = require('node:v8');

const file = process.env.LOCKSTEP_MEMORY_SAMPLES;
if (file) {
  const fd = fs.openSync(file, 'a');
  const started = Date.now();
  const sample = () => {
    const memory = process.memoryUsage();
    const spaces = {};
    for (const space of v8.getHeapSpaceStatistics()) {
      spaces[space.space_name] = { used: space.space_used_size, size: space.space_size };
    }
    const cpu = process.cpuUsage();
    fs.writeSync(fd, JSON.stringify({ t: Date.now() - started, ...memory, cpuMs: (cpu.user + cpu.system) / 1000, spaces }) + '\n');
  };
  sample();
  setInterval(sample, Number(process.env.LOCKSTEP_MEMORY_SAMPLE_MS || 250)).unref();
  process.on('exit', sample);
}
