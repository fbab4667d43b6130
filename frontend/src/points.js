// points.js: a layer of points drawn over the map from data the page
// already holds (the diary's entries, the households still to visit). Its
// own module, apart from map.js, so the diary (which boots offline on a
// phone) draws its points without loading the map's code.

/**
 * showPoints draws data (a FeatureCollection of points) as a circle layer
 * named id over the map m, once the style is ready: the first call adds the
 * source and the layer (and calls onAdded, e.g. to bind a click), later ones
 * replace the data.
 */
export function showPoints(m, id, data, paint, onAdded) {
  const draw = () => {
    if (m.getSource(id)) {
      m.getSource(id).setData(data);
      return;
    }
    m.addSource(id, { type: 'geojson', data });
    m.addLayer({ id, type: 'circle', source: id, paint });
    onAdded?.();
  };
  if (m.isStyleLoaded()) draw();
  else m.once('idle', draw);
}
