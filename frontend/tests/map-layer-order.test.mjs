// The web map's layer order: a village's dashed "in the gap" outline (below
// the one-third rule) and the selected village's line draw over the town
// boundaries, so that a village on a town's edge still shows it is in the
// gap; the town line draws over the plain village outlines and the fills.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { launch, openApp } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

describe('map layer order', () => {
  test('the town line is under the gap outline and the selection, over the villages', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await openApp(page, 'planner');
      const layers = await page.evaluate(() => window.lianxin.map.map.getStyle().layers.map((l) => l.id));
      const at = (id) => {
        const i = layers.indexOf(id);
        assert.ok(i >= 0, `layer ${id} in the style: ${layers}`);
        return i;
      };
      const cases = [
        { under: 'towns-line', over: 'villages-below' },
        { under: 'towns-line', over: 'village-selected' },
        { under: 'village-selected', over: 'villages-below' },
        { under: 'villages-line', over: 'towns-line' },
        { under: 'villages-fill', over: 'towns-line' },
        { under: 'h3-fill', over: 'towns-line' },
      ];
      for (const tc of cases) {
        assert.ok(at(tc.under) < at(tc.over), `${tc.under} (layer ${at(tc.under)}) draws under ${tc.over} (layer ${at(tc.over)}): order ${layers}`);
      }
    } finally {
      await context.close();
    }
  });
});
