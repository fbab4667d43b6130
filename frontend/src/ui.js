// Small DOM helpers shared by the views: element building, the status
// banner, and sortable tables.

import { lang, num, t } from './i18n.js';

/** h builds an element: h('td', {class: 'x', onclick: fn}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * reportRefusal words a report's refusal (the error's details: a
 * lianxin.Refusal {field, reason, params}, the reasons
 * coverage.ReportReasons) in the page's language by
 * report.refusal.<reason>: lists joined, the parameter by report.param.*.
 * '' when the error carries no reason the page words.
 */
export function reportRefusal(err) {
  const d = err?.details;
  if (!d?.reason) return '';
  const key = `report.refusal.${d.reason}`;
  if (t(key) === key) return '';
  const sep = lang() === 'en' ? ', ' : '、';
  const vars = {};
  for (const [k, v] of Object.entries(d.params || {})) vars[k] = Array.isArray(v) ? v.join(sep) : v;
  const field = d.field || '';
  vars.field = field && t(`report.param.${field}`) !== `report.param.${field}` ? t(`report.param.${field}`) : field;
  return t(key, vars);
}

/**
 * errorDetail is the server's own (English) sentence of an error, for a
 * tooltip under the page's wording; '' when there is none.
 */
export function errorDetail(err) {
  return err?.message && err.message !== err.kind ? String(err.message) : '';
}

/**
 * describeError turns an ApiError (or any error) into a sentence in the
 * page's language: a refusal by its reason (reportRefusal), else by its
 * kind. An error the page cannot word (an internal error, a refusal
 * without a reason) is a generic sentence with the HTTP status; the
 * server's English is only in errorDetail, never on a Chinese page.
 */
export function describeError(err, what) {
  const refusal = reportRefusal(err);
  if (refusal) return refusal;
  switch (err?.kind) {
    case 'unreachable':
      return t('status.unreachable');
    case 'missing':
      return t('status.missing', { what });
    case 'forbidden':
      return t('status.forbidden', { what });
    case 'unauthorized':
      return t('status.unauthorized');
    case 'server':
      return t('status.serverGeneric', { status: err.status });
    default:
      return t('status.serverGeneric', { status: '—' });
  }
}

const banner = () => document.getElementById('status');
let bannerRetry = null;

/** showStatus shows a message in the banner; retry, when given, adds a button. */
export function showStatus(message, { level = 'error', retry } = {}) {
  const b = banner();
  b.replaceChildren();
  b.className = `status ${level}`;
  b.append(h('span', {}, message));
  bannerRetry = retry || null;
  if (retry) b.append(h('button', { type: 'button', onclick: () => { clearStatus(); retry(); } }, t('status.retry')));
  b.append(h('button', { type: 'button', class: 'dismiss', 'aria-label': t('status.dismiss'), onclick: clearStatus }, '×'));
  b.hidden = false;
}

export function clearStatus() {
  banner().hidden = true;
  bannerRetry = null;
}

export function currentRetry() {
  return bannerRetry;
}

/** inlineError is an error message in place of a panel's content. */
export function inlineError(err, what) {
  return h('p', { class: 'error', role: 'alert', title: errorDetail(err) || undefined }, describeError(err, what));
}

export function loading() {
  return h('p', { class: 'muted loading', role: 'status' }, t('status.loading'));
}

/** csvCell quotes a value for CSV, and defuses text Excel would run as a formula. */
export function csvCell(v) {
  let s = v === undefined || v === null ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * sortableTable renders rows under columns. Each column: {key, label,
 * value(row) for sorting, render(row) for display, numeric, cls (the
 * column's cells' class)}. Clicking (or Enter on) a header button sorts;
 * onRow(row) runs on a row click or Enter; rowClass(row) marks a row.
 */
export function sortableTable({ columns, rows, onRow, sort, onSort, caption, rowKey, rowClass }) {
  const sorted = [...rows];
  if (sort) {
    const col = columns.find((c) => c.key === sort.key);
    if (col) {
      const dir = sort.dir === 'desc' ? -1 : 1;
      const val = col.value || ((r) => r[col.key]);
      sorted.sort((a, b) => {
        const x = val(a);
        const y = val(b);
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'zh-CN')) * dir;
      });
    }
  }
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => {
    const active = sort && sort.key === c.key;
    const ariaSort = active ? (sort.dir === 'desc' ? 'descending' : 'ascending') : 'none';
    const label = c.label;
    const cls = [c.numeric ? 'num' : '', c.cls || ''].filter(Boolean).join(' ');
    if (!onSort) return h('th', { scope: 'col', class: cls }, label);
    return h('th', { scope: 'col', 'aria-sort': ariaSort, class: cls },
      h('button', {
        type: 'button', class: 'sort', dataset: { key: c.key },
        onclick: () => onSort({ key: c.key, dir: active && sort.dir === 'asc' ? 'desc' : 'asc' }),
      }, label, h('span', { class: 'arrow', 'aria-hidden': 'true' }, active ? (sort.dir === 'desc' ? ' ▼' : ' ▲') : '')));
  })));
  const tbody = h('tbody', {}, sorted.map((r) => {
    const tr = h('tr', {
      dataset: rowKey ? { key: rowKey(r) } : {},
      tabindex: onRow ? '0' : undefined,
      class: [onRow ? 'clickable' : '', rowClass?.(r) || ''].filter(Boolean).join(' '),
    }, columns.map((c) => h('td', { class: [c.numeric ? 'num' : '', c.cls || ''].filter(Boolean).join(' ') }, c.render ? c.render(r) : (r[c.key] ?? '—'))));
    if (onRow) {
      tr.addEventListener('click', () => onRow(r));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onRow(r);
        }
      });
    }
    return tr;
  }));
  const table = h('table', { class: 'data' }, caption ? h('caption', { class: 'sr-only' }, caption) : null, thead, tbody);
  return table;
}

/**
 * publishedCount shows a count as the server publishes it: a number, or when
 * the privacy rules hide it "hidden" (whether it is small or hidden to
 * protect another figure: the label never tells which) or "≥n" (a sum whose
 * shown parts add up to n > 10). Any other text is shown as it came.
 */
export function publishedCount(v) {
  if (typeof v === 'number') return num(v);
  if (v === 'hidden') return t('summary.hidden');
  const bound = typeof v === 'string' && /^≥\s*(\d+)$/.exec(v);
  if (bound) return `≥ ${num(Number(bound[1]))}`;
  return v === undefined || v === null ? '—' : String(v);
}

/**
 * specialWaiting reads a report row's special-group households not yet
 * visited: {text, sortKey}. special_waiting is the sum over the groups (a
 * household in two groups counts in both), as the server publishes it
 * (publishedCount). The page shows what the server says and never adds
 * hidden groups itself (the privacy rules may hide a 0). Sorted, "≥n" counts
 * as n and "hidden" as 5, as the server's ranking does.
 */
export function specialWaiting(r) {
  const total = r.special_waiting;
  if (typeof total === 'number') return { text: num(total), sortKey: total };
  if (typeof total === 'string') {
    const bound = /^≥\s*(\d+)$/.exec(total);
    return { text: publishedCount(total), sortKey: bound ? Number(bound[1]) : 5 };
  }
  return { text: '—', sortKey: -1 };
}

/**
 * legendPadding is the padding that keeps a map frame (the team view's
 * route, a village's outline) clear of the legend, which sits over the map's
 * lower right corner (and is drawn there on the printed map): the side it
 * covers, right or bottom, whichever costs the map less, gets the legend's
 * size; the others 60 px. container is the map's container element. print
 * reserves at least the printed legend's box, which is drawn whole even when
 * the one on screen is folded.
 */
export function legendPadding(container, { print = false } = {}) {
  const pad = { top: 60, right: 60, bottom: 60, left: 60 };
  const c = container?.getBoundingClientRect();
  const lg = document.getElementById('legend-box')?.getBoundingClientRect();
  if (!c?.width || !c?.height) return pad;
  const shown = lg?.width && lg.left < c.right && lg.top < c.bottom;
  let right = shown ? c.right - lg.left + 20 : 0;
  let bottom = shown ? c.bottom - lg.top + 20 : 0;
  // Before the legend's classes are filled (the planner fills them once the
  // map is up): room for them as they will be.
  const folded = document.getElementById('legend-toggle')?.getAttribute('aria-expanded') === 'false';
  if (shown && !folded && !document.getElementById('legend')?.childElementCount) {
    right = Math.max(right, 250);
    bottom = Math.max(bottom, 250);
  }
  if (print) {
    right = Math.max(right, 190);
    bottom = Math.max(bottom, 240);
  }
  if (!right && !bottom) return pad;
  if (right / c.width <= bottom / c.height) {
    if (right < c.width / 2) pad.right = Math.max(pad.right, right);
  } else if (bottom < c.height / 2) pad.bottom = Math.max(pad.bottom, bottom);
  return pad;
}
