// Every string of the page is in both languages: the two tables hold the
// same keys, and every key the page and the code name exists.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { TABLES } from '../src/i18n.js';
import { OPTION_NAMES } from '../src/imports.js';

const src = join(import.meta.dirname, '..', 'src');

test('zh-CN and English have the same keys', () => {
  const zh = Object.keys(TABLES['zh-CN']).sort();
  const en = Object.keys(TABLES.en).sort();
  assert.deepEqual(zh.filter((k) => !en.includes(k)), [], 'keys in zh-CN missing from en');
  assert.deepEqual(en.filter((k) => !zh.includes(k)), [], 'keys in en missing from zh-CN');
});

test('every key the page names exists', () => {
  const used = new Set();
  const html = readFileSync(join(import.meta.dirname, '..', 'index.html'), 'utf8');
  for (const m of html.matchAll(/data-i18n(?:-aria|-alt|-placeholder)?="([^"]+)"/g)) used.add(m[1]);
  for (const f of readdirSync(src).filter((n) => n.endsWith('.js'))) {
    const code = readFileSync(join(src, f), 'utf8');
    for (const m of code.matchAll(/\bt\('([a-zA-Z0-9_.]+)'/g)) used.add(m[1]);
  }
  assert.ok(used.size > 50, `found ${used.size} keys in use`);
  const missing = [...used].filter((k) => !(k in TABLES['zh-CN']));
  assert.deepEqual(missing, [], 'keys used but not in the table');
});

test('the dynamic keys exist: metrics, layers, groups, roles, option names', () => {
  const need = [
    ...['coverage', 'visits', 'special_waiting', 'open_problems'].map((k) => `metric.${k}`),
    ...['contact_points', 'projects', 'river_works', 'visits', 'towns', 'villages', 'households', 'h3',
      'teams', 'members', 'village_coverage', 'gaps', 'h3_cells'].map((k) => `layer.${k}`),
    ...['poor', 'seriously_ill', 'disabled', 'empty_nest', 'left_behind_children', 'community_correction'].map((k) => `group.${k}`),
    ...['leader', 'senior_adviser', 'cadre', 'village_official'].map((k) => `role.${k}`),
    ...['admin', 'planner', 'team_leader', 'gis', 'member', 'household_points', 'personal_fields'].map((k) => `urole.${k}`),
    ...[...OPTION_NAMES].map((k) => `imp.optionName.${k}`),
  ];
  for (const lang of ['zh-CN', 'en']) {
    const missing = need.filter((k) => !(k in TABLES[lang]));
    assert.deepEqual(missing, [], `${lang}: missing dynamic keys`);
  }
});
