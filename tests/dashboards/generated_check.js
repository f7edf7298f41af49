#!/usr/bin/env node
'use strict';
// dashboards/*.json must be exactly what dashboards/generate.js writes from dashboards/lib/.
// Proves the comparison can fail: a copy with one panel title changed must be reported.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const common = require('./common');

const generator = path.join(common.REPO, 'dashboards', 'generate.js');

function run(dir) {
  const args = [generator, '--check', ...(dir ? ['--dir', dir] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  return { status: r.status, output: (r.stdout + r.stderr).trim() };
}

let failures = 0;
const report = (ok, what, output) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) {
    console.error(output);
    ++failures;
  }
};

const inRepo = run();
report(inRepo.status === 0, 'dashboards/*.json are what dashboards/generate.js writes', inRepo.output);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboards-generated-'));
for (const file of common.DASHBOARD_FILES) {
  fs.copyFileSync(path.join(common.REPO, 'dashboards', file), path.join(dir, file));
}
const copy = run(dir);
report(copy.status === 0, 'an unchanged copy passes', copy.output);
const edited = path.join(dir, 'attacks.json');
const json = JSON.parse(fs.readFileSync(edited, 'utf8'));
json.panels.find((p) => p.type !== 'row').title += ' (edited by hand)';
fs.writeFileSync(edited, JSON.stringify(json, null, 2) + '\n');
const changed = run(dir);
report(changed.status === 1 && /attacks\.json:\d+: differs/.test(changed.output),
  `a hand-edited copy is rejected: ${changed.output.split('\n')[0].slice(0, 160)}`, changed.output);
fs.rmSync(dir, { recursive: true, force: true });

if (failures) common.fail(`${failures} generator check(s) failed`);
