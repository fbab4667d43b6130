// Sign-in: the page asks who it is (GET /api/v1/auth/session, which
// answers 200 with signed_in false before sign-in, so a fresh page logs no
// failed request); not signed in, or a 401 from any later call, opens the
// sign-in form. A server without sign-in (no /api/v1/auth routes) lets the
// page through.

import { api } from './endpoints.js';
import { setCsrfToken } from './api.js';
import { t } from './i18n.js';

export async function initAuth(app) {
  const dialog = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const errorEl = document.getElementById('signin-error');
  const userEl = document.getElementById('user-name');
  const signOut = document.getElementById('sign-out');

  const signedIn = (me) => {
    app.user = me;
    setCsrfToken(me?.csrf_token);
    userEl.textContent = me?.user || '';
    signOut.hidden = !me;
    signOut.title = me?.user || ''; // the name is hidden on a phone
  };

  let waiting = null;
  const ask = () => {
    if (waiting) return waiting;
    waiting = new Promise((resolve) => {
      errorEl.hidden = true;
      if (!dialog.open) dialog.showModal();
      document.getElementById('signin-user').focus();
      form.onsubmit = async (e) => {
        e.preventDefault();
        const submit = document.getElementById('signin-submit');
        submit.disabled = true;
        try {
          const me = await api.login(form.username.value, form.password.value);
          signedIn(me);
          dialog.close();
          form.password.value = '';
          waiting = null;
          resolve(me);
        } catch (err) {
          errorEl.hidden = false;
          errorEl.textContent = err.status === 429 ? t('auth.limited')
            : err.kind === 'unauthorized' ? t('auth.wrong') : (err.message || String(err));
        } finally {
          submit.disabled = false;
        }
      };
    });
    return waiting;
  };
  // The form must be answered: Escape would leave a page that cannot load.
  dialog.addEventListener('cancel', (e) => e.preventDefault());

  signOut.addEventListener('click', async () => {
    try {
      await api.logout();
    } finally {
      window.location.reload();
    }
  });

  // A session that ends while the page is open: sign in again, then reload
  // what the page shows.
  app.on('unauthorized', async () => {
    if (!app.user && !app.authChecked) return;
    await ask();
    window.location.reload();
  });

  try {
    const probe = await api.session();
    if (probe?.signed_in) signedIn(probe);
    else await ask();
  } catch (err) {
    if (err.kind === 'unauthorized') {
      await ask();
    } else if (err.kind !== 'missing') {
      // Unreachable or failing: the views say so where they load data.
      console.warn('auth/session:', err);
    }
  }
  app.authChecked = true;
}
