/**
 * The wiring a panel shown in both the planner view and the team view
 * shares (the forecast, the spot check): each part loads when its view is
 * shown, and again when the window or the campaign start changes; the team
 * part again when the team picker changes (else only redraws); both redraw
 * when the language changes.
 *
 * planner and team are the mounted parts: { load(), render() }.
 * Returns view(), the view now shown, for the caller's own events.
 */
export function wireViews(app, { planner, team }) {
  const view = () => document.body.dataset.view;
  const refresh = () => {
    if (view() === 'planner' && app.window.from) planner.load();
    if (view() === 'team') team.load();
  };
  app.on('view', refresh);
  app.on('window', refresh);
  app.on('start', refresh);
  document.getElementById('team')?.addEventListener('change', () => { if (view() === 'team') team.load(); else team.render(); });
  app.on('lang', () => { planner.render(); team.render(); });
  return view;
}
