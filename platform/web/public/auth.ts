// The login / register sheet. A session is a bearer token kept in localStorage until it expires.
import { call, currentUser, setSession } from './api.ts';
import { h, openSheet, toast } from './ui.ts';

/**
 * Opens the sign-in sheet; resolves true once the viewer is signed in, false if they close it.
 * `reason` says why we asked (e.g. "Log in to like videos").
 */
export function openAuthSheet(reason?: string): Promise<boolean> {
  return new Promise((resolve) => {
    let mode: 'login' | 'register' = 'login';
    let done = false;
    const sheet = openSheet('Log in or sign up', () => {
      if (!done) resolve(false);
    });
    const handle = h('input', {
      name: 'handle',
      autocomplete: 'username',
      placeholder: 'Handle',
      required: true,
      minlength: 3,
      maxlength: 30,
      pattern: '[A-Za-z0-9_.]{3,30}',
    });
    const password = h('input', {
      name: 'password',
      type: 'password',
      autocomplete: 'current-password',
      placeholder: 'Password (8+ characters)',
      required: true,
      minlength: 8,
    });
    const submit = h('button', { type: 'submit', class: 'primary' }, 'Log in');
    const switcher = h('button', { type: 'button', class: 'link' }, 'New here? Create an account');
    switcher.addEventListener('click', () => {
      mode = mode === 'login' ? 'register' : 'login';
      submit.textContent = mode === 'login' ? 'Log in' : 'Sign up';
      switcher.textContent = mode === 'login' ? 'New here? Create an account' : 'Have an account? Log in';
      password.autocomplete = mode === 'login' ? 'current-password' : 'new-password';
    });
    const form = h(
      'form',
      { class: 'auth-form' },
      reason ? h('p', { class: 'muted' }, reason) : null,
      handle,
      password,
      submit,
      switcher,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const grant = await call(mode === 'login' ? 'POST /api/v1/auth/login' : 'POST /api/v1/auth/register', {
          body: {
            handle: handle.value.trim(),
            password: password.value,
          },
        });
        setSession(grant);
        done = true;
        toast(`Welcome, @${grant.user.handle}`);
        sheet.close();
        resolve(true);
      } catch (err) {
        toast(err);
      } finally {
        submit.disabled = false;
      }
    });
    sheet.body.append(form);
    handle.focus();
  });
}

/** True when signed in; otherwise asks the viewer to sign in and resolves with the outcome. */
export async function ensureSignedIn(reason: string): Promise<boolean> {
  return currentUser() !== null || openAuthSheet(reason);
}

/** Signs out on the server (best effort) and forgets the token. */
export async function signOut(): Promise<void> {
  await call('POST /api/v1/auth/logout').catch(() => {});
  setSession(null);
  toast('Signed out');
}
