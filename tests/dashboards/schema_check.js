#!/usr/bin/env node
'use strict';
// Type-checks every dashboard against @grafana/schema with tsc --strict (see dashboard_types.ts):
// each dashboard's JSON text becomes the object literal of two .ts files,
//   const dashboard: DashboardJson = <the JSON>;        the schema's Dashboard type
//   const dashboard: StrictDashboardJson = <the JSON>;  plus each panel plugin's own types
// and tsc must accept all of them. Then it proves the check can fail: broken copies of a
// dashboard (an unknown panel field, a number for a string, ...) must be rejected, with the
// error on the broken line. Errors point at dashboards/<file>.json:LINE.
//
// usage: schema_check.js [--work DIR] [--dashboards DIR]
//   --work: scratch directory (emptied first; default a new temporary one, removed at the end)
//   --dashboards: check the dashboards in DIR instead of the repository's dashboards/
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const common = require('./common');

const HEADER_LINES = 3;  // lines of the .ts wrapper before the JSON text

function wrap(typeName, source, text) {
  return `// ${source}, checked against ${typeName}\n` +
    `import type { ${typeName} } from './dashboard_types';\n` +
    `const dashboard: ${typeName} =\n${text};\nexport default dashboard;\n`;
}

// The line of the first occurrence of `needle` in the JSON text, 1-based.
function lineOf(text, needle) {
  const index = text.split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`${needle} not found`);
  return index + 1;
}

// Broken copies of the overview dashboard, each with what tsc must say about it and which of
// the two checks must reject it ('plain' is the schema's Dashboard type).
function brokenCopies(good) {
  const cases = [];
  const add = (name, mutate, marker, pattern, rejectedBy) => {
    const json = common.clone(good);
    mutate(json);
    const text = JSON.stringify(json, null, 2) + '\n';
    cases.push({ name, text, line: lineOf(text, marker), pattern, rejectedBy });
  };
  const firstOf = (json, type) => json.panels.find((p) => p.type === type);
  add('unknown-panel-field', (d) => { firstOf(d, 'stat').titel = 'Outbound connects'; },
    '"titel"', /'"titel"' does not exist/, ['plain', 'strict']);
  add('unknown-top-level-field', (d) => { d.timezon = 'browser'; },
    '"timezon"', /'"timezon"' does not exist/, ['plain', 'strict']);
  add('refresh-number', (d) => { d.refresh = 30; },
    '"refresh": 30', /Type 'number' is not assignable to type 'string'/, ['plain', 'strict']);
  // Open records in the schema's Panel type: only the panel plugins' types catch these.
  add('unknown-legend-option', (d) => { firstOf(d, 'timeseries').options.legend.showLegnd = true; },
    '"showLegnd"', /'"showLegnd"' does not exist/, ['strict']);
  add('unknown-target-field', (d) => { firstOf(d, 'timeseries').targets[0].legendFromat = 'x'; },
    '"legendFromat"', /'"legendFromat"' does not exist/, ['strict']);
  add('wrong-enum-value', (d) => { firstOf(d, 'timeseries').fieldConfig.defaults.custom.drawStyle = 'curve'; },
    '"curve"', /Type '"curve"' is not assignable/, ['strict']);
  return cases;
}

function runTsc(dir, files) {
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      target: 'es2020',
      module: 'esnext',
      moduleResolution: 'bundler',
      types: [],
    },
    files: ['dashboard_types.ts', ...files],
  }, null, 2));
  const tsc = path.join(common.MODULES, 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', dir, '--pretty', 'false'], { encoding: 'utf8' });
  if (r.error) common.fail(`tsc: ${r.error.message}`);
  const errors = {};
  let last = null;
  for (const line of (r.stdout + r.stderr).split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
    if (m) {
      last = { line: Number(m[2]) - HEADER_LINES, column: Number(m[3]), message: m[4] };
      (errors[path.basename(m[1])] = errors[path.basename(m[1])] || []).push(last);
    } else if (last && line.startsWith(' ')) {
      last.message += ' ' + line.trim();
    } else if (line.trim()) {
      (errors[''] = errors[''] || []).push({ line: 0, column: 0, message: line });
    }
  }
  return { status: r.status, errors };
}

function main() {
  const argv = process.argv.slice(2);
  const option = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const workArg = option('--work');
  common.requireModules('typescript', '@grafana/schema');
  const dir = common.workDir('dashboard-schema-', workArg);
  fs.symlinkSync(common.MODULES, path.join(dir, 'node_modules'), 'dir');
  fs.copyFileSync(path.join(__dirname, 'dashboard_types.ts'), path.join(dir, 'dashboard_types.ts'));

  const files = [];
  const checked = [];  // { ts, source, expectation }
  const emit = (base, source, text, kind, expectation) => {
    const typeName = kind === 'plain' ? 'DashboardJson' : 'StrictDashboardJson';
    const ts = `${base}.${kind}.ts`;
    fs.writeFileSync(path.join(dir, ts), wrap(typeName, source, text));
    files.push(ts);
    checked.push({ ts, source, kind, expectation });
  };

  const dashboards = common.readDashboards(option('--dashboards'));
  for (const d of dashboards) {
    const source = path.relative(common.REPO, d.file);
    for (const kind of ['plain', 'strict']) emit(path.basename(d.name, '.json'), source, d.text, kind, null);
  }
  fs.mkdirSync(path.join(dir, 'broken'));
  for (const c of brokenCopies(dashboards[0].json)) {
    const copy = path.join(dir, 'broken', `overview-${c.name}.json`);
    fs.writeFileSync(copy, c.text);
    for (const kind of ['plain', 'strict']) emit(`broken-${c.name}`, copy, c.text, kind, c);
  }

  const { errors } = runTsc(dir, files);
  let failures = 0;
  const report = (ok, what) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) ++failures;
  };
  if (errors['']) {
    errors[''].forEach((e) => console.error(e.message));
    report(false, 'tsc ran without errors outside the checked files');
  }
  for (const { ts, source, kind, expectation } of checked) {
    const errs = errors[ts] || [];
    const type = kind === 'plain' ? 'Dashboard' : 'panel plugin types';
    if (!expectation) {
      errs.forEach((e) => console.error(`${source}:${e.line}:${e.column}: ${e.message}`));
      report(errs.length === 0, `${source} matches @grafana/schema (${type})`);
      continue;
    }
    const mustFail = expectation.rejectedBy.includes(kind);
    const hit = errs.find((e) => e.line === expectation.line && expectation.pattern.test(e.message));
    if (mustFail) {
      if (!hit) errs.forEach((e) => console.error(`  got ${source}:${e.line}: ${e.message}`));
      report(Boolean(hit), `${expectation.name} is rejected (${type}) at line ${expectation.line}` +
        (hit ? `: ${hit.message.slice(0, 120)}` : ''));
    } else {
      errs.forEach((e) => console.error(`  got ${source}:${e.line}: ${e.message}`));
      report(errs.length === 0, `${expectation.name} passes the ${type} check (open record there)`);
    }
  }
  if (!workArg) fs.rmSync(dir, { recursive: true, force: true });
  if (failures) common.fail(`${failures} schema check(s) failed`);
  console.log('all schema checks passed');
}

main();
