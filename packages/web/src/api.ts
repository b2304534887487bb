/**
 * The browser's way to the server: the TypeScript SDK (Connect over fetch) on the page's own
 * origin. The token never lives in JavaScript after sign-in: POST /ui/session checks it and sets
 * an HttpOnly, SameSite=Strict session cookie that every later request carries.
 */
import { K3Client } from '@k3/client/sdk';
import type { ConditionalFormat } from './sheet/conditional-format.ts';
import type { TableDiff } from './sheet/diff-lines.ts';

export type { TableDiff };

export const k3 = new K3Client({ url: location.origin, retries: 1 });

export async function signIn(token: string): Promise<{ ok: true } | { ok: false; message: string }> {
  const res = await fetch('/ui/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  if (res.ok) return { ok: true };
  const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
  return { ok: false, message: `${body.code ?? res.status}: ${body.message ?? 'sign-in failed'}` };
}

export async function signOut(): Promise<void> {
  await fetch('/ui/session', { method: 'DELETE' });
}

export async function session(): Promise<{ principal: string; buckets: string[] | '*' } | undefined> {
  const res = await fetch('/ui/session');
  return res.ok ? ((await res.json()) as { principal: string; buckets: string[] | '*' }) : undefined;
}

/**
 * Comments, named ranges and conditional formats of a table's sheet: a sidecar object in the
 * bucket, never Delta data. A colour scale is kept without its ends (they are the column's MIN
 * and MAX, asked from the table whenever the sheet opens).
 */
export interface SheetMeta {
  comments: { cell: string; text: string; author?: string; at?: string }[];
  names: { name: string; ref: string }[];
  formats: ConditionalFormat[];
}

export async function loadSheetMeta(bucket: string, table: string): Promise<SheetMeta> {
  const res = await fetch(`/ui/api/${encodeURIComponent(bucket)}/sheets/${encodeURIComponent(table)}`);
  if (!res.ok) throw new Error(`loading sheet metadata failed: ${res.status}`);
  const meta = (await res.json()) as Partial<SheetMeta>;
  return { comments: meta.comments ?? [], names: meta.names ?? [], formats: meta.formats ?? [] };
}

export async function saveSheetMeta(bucket: string, table: string, meta: SheetMeta): Promise<void> {
  const res = await fetch(`/ui/api/${encodeURIComponent(bucket)}/sheets/${encodeURIComponent(table)}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(meta),
  });
  if (!res.ok) throw new Error(`saving sheet metadata failed: ${res.status} ${await res.text()}`);
}

/**
 * The one call the diff view makes: the `Diff` RPC through its REST mapping
 * `GET /:bucket/tables/:table/diff` (pbjson; the session cookie authenticates it).
 */
export async function tableDiff(bucket: string, table: string, version: bigint, limit = 1000): Promise<TableDiff> {
  const res = await fetch(`/${encodeURIComponent(bucket)}/tables/${encodeURIComponent(table)}/diff?version=${version}&limit=${limit}`);
  const body = (await res.json().catch(() => ({}))) as TableDiff & { code?: string; message?: string };
  if (!res.ok) throw new Error(`${body.code ?? res.status}: ${body.message ?? 'diff failed'}`);
  return body;
}
