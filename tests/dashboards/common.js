'use strict';
// Shared by the dashboard and compose checks: locating the repository, the npm packages and
// the dashboards, walking panels.
const fs = require('fs');
const os = require('os');
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');
const MODULES = path.join(__dirname, 'node_modules');
const DASHBOARD_FILES = ['overview.json', 'attacks.json', 'port-detail.json'];

function fail(message) {
  console.error(message);
  process.exit(1);
}

// Exits with the command that installs the packages when they are missing.
function requireModules(...names) {
  for (const name of names) {
    if (!fs.existsSync(path.join(MODULES, name, 'package.json'))) {
      fail(`${path.join(MODULES, name)} is missing: run ` +
        "'npm ci --prefix tests/dashboards --no-audit --no-fund' in the repository (tools/test.sh does)");
    }
  }
}

function loadModule(name) {
  requireModules(name);
  return require(path.join(MODULES, name));
}

function dashboardPaths(dir = path.join(REPO, 'dashboards')) {
  return DASHBOARD_FILES.map((f) => path.join(dir, f));
}

function readDashboards(dir) {
  return dashboardPaths(dir).map((file) => ({
    file,
    name: path.basename(file),
    text: fs.readFileSync(file, 'utf8'),
    json: JSON.parse(fs.readFileSync(file, 'utf8')),
  }));
}

// Every panel, rows included, and the panels inside collapsed rows.
function allPanels(dashboard) {
  const out = [];
  for (const p of dashboard.panels || []) {
    out.push(p);
    if (p.type === 'row') out.push(...(p.panels || []));
  }
  return out;
}

function workDir(prefix, given) {
  if (given) {
    fs.rmSync(given, { recursive: true, force: true });
    fs.mkdirSync(given, { recursive: true });
    return given;
  }
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

function clone(value) {
  return JSON.parse(JSON.stringify(value));
}

module.exports = {
  REPO, MODULES, DASHBOARD_FILES,
  fail, requireModules, loadModule, dashboardPaths, readDashboards, allPanels, workDir, clone,
};
