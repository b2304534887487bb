/**
 * The data browser's session: after `POST /ui/session` the token travels in an HttpOnly,
 * SameSite=Strict cookie instead of an `Authorization` header (the page never holds it). Every
 * wire reads the caller's credentials through `bearerOf`, so the cookie is accepted exactly where
 * a bearer header is, with the same token checks; a header, when present, wins.
 * SameSite=Strict keeps the cookie off cross-site requests (no CSRF through it).
 */
export const SESSION_COOKIE = 'k3_session';

/** The token in a `Cookie:` header's `k3_session`, if any. */
export function sessionTokenOf(cookieHeader: string | null | undefined): string | undefined {
  if (cookieHeader === undefined || cookieHeader === null) return undefined;
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = decodeURIComponent(part.slice(eq + 1).trim());
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}

/** The `Authorization` value to authenticate: the header, else the session cookie as a bearer. */
export function bearerOf(authorization: string | null | undefined, cookieHeader: string | null | undefined): string | undefined {
  if (authorization !== undefined && authorization !== null && authorization !== '') return authorization;
  const token = sessionTokenOf(cookieHeader);
  return token === undefined ? undefined : `Bearer ${token}`;
}
