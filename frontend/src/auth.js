// Sign-in: the page asks who it is (GET /api/v1/auth/session, which
// answers 200 with signed_in false before sign-in, so a fresh page logs no
// failed request); not signed in, or a 401 from any later call, opens the
// sign-in form. A server without sign-in (no /api/v1/auth routes) lets the
// page through.
//
// The page also remembers who last signed in on this browser — name, roles,
// grants and towns, no token or other secret — so a member who opens it with
// no network still reaches their diary queue (main.js, bootOffline); the
// session is asked again once the network is back. Signing out forgets it.

import { api } from './endpoints.js';
import { setCsrfToken } from './api.js';
import { onLangChange, t } from './i18n.js';
import { describeError, errorDetail } from './ui.js';

const REMEMBERED = 'lianxin.lastUser';

/** rememberedUser is the user last signed in on this browser, or null. */
export function rememberedUser() {
  try {
    const u = JSON.parse(localStorage.getItem(REMEMBERED) || 'null');
    return u && typeof u.user === 'string' && u.user && Array.isArray(u.roles) ? u : null;
  } catch {
    return null;
  }
}

function remember(me) {
  try {
    if (me?.user) {
      localStorage.setItem(REMEMBERED, JSON.stringify({ user: me.user, roles: me.roles || [], grants: me.grants || [], towns: me.towns || [] }));
    }
  } catch {
    // Private mode, or storage full: the page works online all the same.
  }
}

/**
 * initAuth asks the server who is signed in, opening the sign-in form when
 * no one is. With offline set it asks nothing (the network is down): it
 * opens the form saying signing in needs the network, and resolves once a
 * sign-in gets through.
 */
export async function initAuth(app, { offline = false } = {}) {
  const dialog = document.getElementById('signin');
  const form = document.getElementById('signin-form');
  const errorEl = document.getElementById('signin-error');
  const userEl = document.getElementById('user-name');
  const signOut = document.getElementById('sign-out');

  const signedIn = (me) => {
    app.user = me;
    setCsrfToken(me?.csrf_token);
    userEl.textContent = me?.user || '';
    remember(me);
    signOut.hidden = !me;
    signOut.title = me?.user || ''; // the name is hidden on a phone
  };

  let waiting = null;
  // sayError words the form's last error in the page's language.
  let sayError = null;
  onLangChange(() => { if (!errorEl.hidden) sayError?.(); });
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
          // Anything else (a server fault) in the page's language, worded
          // again when the language changes; the server's English only as
          // the tooltip.
          sayError = () => {
            errorEl.textContent = err.status === 429 ? t('auth.limited')
              : err.kind === 'unauthorized' ? t('auth.wrong')
                : err.kind === 'unreachable' ? t('auth.offline') : describeError(err, t('auth.title'));
          };
          sayError();
          errorEl.title = errorDetail(err);
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
    // Forgotten first: a phone signed out must not open anyone's diary offline.
    localStorage.removeItem(REMEMBERED);
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

  if (offline) {
    const signedInNow = ask();
    errorEl.hidden = false;
    sayError = () => { errorEl.textContent = t('auth.offline'); };
    sayError();
    await signedInNow;
    app.authChecked = true;
    return;
  }
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
