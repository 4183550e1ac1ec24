#!/usr/bin/env node
// Refreshes the seconds in tools/test/integration-spec-seconds.json from runs of `npm test`:
//   node tools/test/update-spec-seconds.js results/test/<run>/spec-seconds.json [more runs…]
// Each spec gets the median of its seconds over the runs given; its classes (exclusive, sensitive,
// alone) and the comments stay. Specs no run measured keep their seconds (the unit spec still fails
// for a spec that is gone). Prints what moved by more than a quarter.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { medianSeconds, SPEC_SECONDS_FILE } = require('./sharding');

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node tools/test/update-spec-seconds.js results/test/<run>/spec-seconds.json [more…]\n');
  process.exit(2);
}
const runs = files.map((file) => JSON.parse(readFileSync(file, 'utf8')).seconds);
const table = JSON.parse(readFileSync(SPEC_SECONDS_FILE, 'utf8'));
const measured = medianSeconds(runs);
for (const [key, seconds] of Object.entries(measured)) {
  const before = table.seconds[key];
  if (before === undefined || Math.abs(seconds - before) > before / 4)
    process.stderr.write(`${key}: ${before ?? 'new'} → ${seconds} s\n`);
}
const seconds = { ...table.seconds, ...measured };
table.seconds = Object.fromEntries(
  Object.keys(seconds)
    .sort()
    .map((key) => [key, seconds[key]]),
);
writeFileSync(SPEC_SECONDS_FILE, `${JSON.stringify(table, null, 2)}\n`);
process.stderr.write(`${SPEC_SECONDS_FILE}: ${Object.keys(measured).length} specs from ${files.length} run(s)\n`);
