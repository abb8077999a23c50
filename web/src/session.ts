// Who is signed in, shared by the router guard, the header and the pages.
import { reactive } from 'vue';
import { api, ApiError, setCsrfToken, type Me, type RegisterBody, type SessionReply } from './api.ts';

export const session = reactive({
  user: null as Me | null,
  isLoaded: false,
});

let loading: Promise<void> | undefined;

function accept(reply: SessionReply): Me {
  session.user = reply.user;
  setCsrfToken(reply.csrfToken);
  return reply.user;
}

function forget(): void {
  session.user = null;
  setCsrfToken(null);
}

/** Asks the server once per page load; the cookie is HttpOnly, so this is the only way to know. */
export function loadSession(): Promise<void> {
  loading ??= api
    .me()
    .then(accept, (err: unknown) => {
      // Anonymous is normal; anything else (server down) also leaves us anonymous, not stuck.
      if (!(err instanceof ApiError && err.code === 'AUTH_REQUIRED')) console.warn('session check failed', err);
      forget();
    })
    .then(() => {
      session.isLoaded = true;
    });
  return loading;
}

export async function login(username: string, password: string): Promise<Me> {
  return accept(await api.login(username, password));
}

export async function register(body: RegisterBody): Promise<Me> {
  return accept(await api.register(body));
}

export async function logout(): Promise<void> {
  try {
    await api.logout();
  } finally {
    // Even if the server call fails, the UI must not keep showing a signed-in user.
    forget();
  }
}

/** `permission` may name alternatives, `a|b`: holding any one of them is enough. */
export function can(permission: string | undefined): boolean {
  if (!permission) return true;
  const held = session.user?.permissions ?? [];
  return permission.split('|').some((p) => held.includes(p));
}
