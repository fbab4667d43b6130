// Colour scales and class breaks. Viridis and cividis are perceptually
// uniform and stay ordered for people with red-green colour blindness (and in
// grey print); the one-third line uses vermilion from the Okabe–Ito palette,
// which stands apart from both ramps.

export const VIRIDIS = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#fde725'];
export const CIVIDIS = ['#00224e', '#35456c', '#666970', '#948e77', '#c8b866', '#fee838'];
export const ONE_THIRD_COLOUR = '#d55e00';
export const ONE_THIRD = 1 / 3;

/** Fixed breaks for shares, with one-third as a class edge. */
export const SHARE_BREAKS = [0.1, 0.2, ONE_THIRD, 0.5, 0.75];

/**
 * countBreaks returns up to 5 increasing "nice" breaks for counts, from the
 * quantiles of the values seen, so that each class holds a similar number of
 * cells. Fewer distinct values give fewer breaks.
 */
export function countBreaks(values) {
  const v = values.filter((x) => Number.isFinite(x) && x > 0).sort((a, b) => a - b);
  if (v.length === 0) return [1];
  const out = [];
  for (const q of [0.2, 0.4, 0.6, 0.8, 0.95]) {
    const raw = v[Math.min(v.length - 1, Math.floor(q * v.length))];
    const b = nice(raw);
    if (b > 0 && (out.length === 0 || b > out[out.length - 1])) out.push(b);
  }
  return out.length ? out : [1];
}

function nice(x) {
  if (x <= 10) return Math.max(1, Math.round(x));
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    if (x <= m * p) return m * p;
  }
  return 10 * p;
}

/**
 * HIDDEN_COLOUR fills a hexagon or village whose figure the privacy rules
 * hide: a mid grey outside both ramps (and lighter than none of their ends),
 * so a hidden cell never passes for the lowest class. NO_POPULATION_COLOUR
 * is a village with nobody living in it.
 */
export const HIDDEN_COLOUR = '#8c8c8c';
export const NO_POPULATION_COLOUR = '#bdbdbd';

/**
 * FILL_OPACITY is the opacity of every class fill, on the map and in the
 * legend's swatches alike: the swatches are drawn at it over BACKGROUND, as
 * the map is, so a swatch is the colour a village of its class shows.
 */
export const FILL_OPACITY = 0.8;

/**
 * stepExpression is a MapLibre "step" expression that colours attr by breaks:
 * values below breaks[0] get colours[0], and so on. A feature without attr
 * gets missing: HIDDEN_COLOUR when the attribute is left out because the
 * privacy rules hide it, or (the default, for metrics nothing hides) the
 * first colour, so a cell with no visits still shows.
 */
export function stepExpression(attr, breaks, colours, missing = colours[0]) {
  const expr = ['step', ['to-number', ['coalesce', ['get', attr], 0]], colours[0]];
  breaks.forEach((b, i) => {
    expr.push(b, colours[Math.min(i + 1, colours.length - 1)]);
  });
  if (missing === colours[0]) return expr;
  return ['case', ['has', attr], expr, missing];
}

/** rgb is the [red, green, blue] (0-255) of a '#rrggbb' colour. */
export function rgb(colour) {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
}

/** mix returns colour drawn at opacity over background, as '#rrggbb'. */
export function mix(colour, opacity, background) {
  const a = rgb(colour);
  const b = rgb(background);
  return `#${a.map((v, i) => Math.round(v * opacity + b[i] * (1 - opacity)).toString(16).padStart(2, '0')).join('')}`;
}

/** coloursFor picks breaks.length+1 colours spread across a ramp. */
export function coloursFor(ramp, breaks) {
  const n = breaks.length + 1;
  if (n >= ramp.length) return ramp.slice(0, n);
  return Array.from({ length: n }, (_, i) => ramp[Math.round((i * (ramp.length - 1)) / (n - 1))]);
}
