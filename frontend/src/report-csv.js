// Download links for the server's "for Excel" report CSVs (UTF-8 with a
// BOM; Chinese headers and values with lang=zh): the planner's summary and
// the team tab's gap and members tables. Each link asks the report the view
// shows (its window, town or team) in the page's language, so what a clerk
// opens in Excel is the table on the screen. The forecast and spot-check
// views build their own (forecast.js, spotcheck.js).

import { query } from './api.js';
import { lang, t } from './i18n.js';
import { h } from './ui.js';

/** reportCSVHref is the CSV of report (summary, gaps or members) for params, in the page's language. */
export function reportCSVHref(report, params) {
  return `/api/v1/reports/${report}${query({ ...params, format: 'csv', lang: lang().startsWith('zh') ? 'zh' : 'en' })}`;
}

/** reportCSVLink is a paragraph holding the download link (id) of report's CSV for params. */
export function reportCSVLink(id, report, params) {
  return h('p', { class: 'report-csv' },
    h('a', { id, class: 'download', download: '', href: reportCSVHref(report, params) }, t(`rep.csv.${report}`)));
}
