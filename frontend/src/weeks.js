// The campaign's weeks: week 1 starts on the campaign's first day, and each
// week is the seven days [from, to) in campaign time (UTC+8), the same days
// the API's from/to parameters use.

const DAY_MS = 86400000;
const UTC8_MS = 8 * 3600000;

/** dayOf returns the UTC+8 calendar day of instant d as YYYY-MM-DD. */
export function dayOf(d) {
  return new Date(d.getTime() + UTC8_MS).toISOString().slice(0, 10);
}

export function addDays(day, n) {
  const t = Date.parse(`${day}T00:00:00Z`) + n * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * campaignWeeks lists the weeks from startsOn (YYYY-MM-DD) to the week that
 * holds now. Without a start it takes the last 26 weeks, so the slider still
 * works against a server that does not say when the campaign began.
 */
export function campaignWeeks(startsOn, now) {
  const today = dayOf(now);
  const start = /^\d{4}-\d{2}-\d{2}/.test(startsOn || '') ? startsOn.slice(0, 10) : addDays(today, -7 * 26 + 1);
  const days = Math.max(1, Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS) + 1);
  const n = Math.max(1, Math.ceil(days / 7));
  return Array.from({ length: n }, (_, i) => ({ index: i, from: addDays(start, 7 * i), to: addDays(start, 7 * (i + 1)) }));
}
