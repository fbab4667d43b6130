// points.js: a layer of points drawn over the map from data the page
// already holds (the diary's entries, the households still to visit). Its
// own module, apart from map.js, so the diary (which boots offline on a
// phone) draws its points without loading the map's code.

// The data of each layer whose first drawing waits for the map's style, by
// map and layer id: the drawing takes the latest.
const waiting = new WeakMap();

/**
 * showPoints draws data (a FeatureCollection of points) as a circle layer
 * named id over the map m, once the style is ready: the first call with a
 * point adds the source and the layer (and calls onAdded, e.g. to bind a
 * click), later ones replace the data. No layer is added while there is
 * nothing to show: an empty one still costs the map a round of loading and
 * drawing, on every first load.
 */
export function showPoints(m, id, data, paint, onAdded) {
  const source = m.getSource(id);
  if (source) {
    source.setData(data);
    return;
  }
  if (!waiting.has(m)) waiting.set(m, new Map());
  const pending = waiting.get(m);
  if (pending.has(id)) { // a drawing is on its way: it takes this data
    pending.set(id, data);
    return;
  }
  if (!data.features.length) return;
  pending.set(id, data);
  const draw = () => {
    const latest = pending.get(id);
    pending.delete(id);
    m.addSource(id, { type: 'geojson', data: latest });
    m.addLayer({ id, type: 'circle', source: id, paint });
    onAdded?.();
  };
  if (m.isStyleLoaded()) draw();
  else m.once('idle', draw);
}
