#!/usr/bin/env node
'use strict';
// Writes the Grafana dashboards of socket_exporter from their sources in lib/:
//   node dashboards/generate.js              (re)write dashboards/*.json
//   node dashboards/generate.js --check      exit 1 if a file differs from what lib/ produces
//   node dashboards/generate.js --dir DIR    write to, or check, DIR instead
// No dependencies beyond Node.js (18 or newer).
const fs = require('fs');
const path = require('path');

const DASHBOARDS = {
  'overview.json': './lib/overview',
  'attacks.json': './lib/attacks',
  'port-detail.json': './lib/port_detail',
};

function render(module) {
  return JSON.stringify(require(module), null, 2) + '\n';
}

function main(argv) {
  let dir = __dirname;
  let check = false;
  for (let i = 0; i < argv.length; ++i) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--dir' && i + 1 < argv.length) dir = argv[++i];
    else {
      console.error(`usage: generate.js [--check] [--dir DIR] (unknown argument ${argv[i]})`);
      return 2;
    }
  }
  let stale = 0;
  for (const [file, module] of Object.entries(DASHBOARDS)) {
    const target = path.join(dir, file);
    const text = render(module);
    if (!check) {
      fs.writeFileSync(target, text);
      console.log(`wrote ${target}`);
      continue;
    }
    const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : null;
    if (current === text) continue;
    ++stale;
    if (current === null) {
      console.error(`${target}: missing; run node dashboards/generate.js`);
      continue;
    }
    const a = current.split('\n');
    const b = text.split('\n');
    let line = 0;
    while (line < a.length && a[line] === b[line]) ++line;
    console.error(`${target}:${line + 1}: differs from what dashboards/lib produces ` +
      `(file: ${JSON.stringify(a[line])}, generated: ${JSON.stringify(b[line])}); ` +
      'edit dashboards/lib/ and run node dashboards/generate.js');
  }
  if (check && !stale) console.log(`${Object.keys(DASHBOARDS).length} dashboards up to date in ${dir}`);
  return stale ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { DASHBOARDS };
