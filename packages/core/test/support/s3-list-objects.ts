/**
 * ListObjectsV2 as S3 answers it, served from s3rver's data directory. Stock s3rver lists in
 * directory-walk order (`a/b` before `a b`), pages with a startAfter that assumes sorted input and
 * does not count common prefixes against max-keys; real S3 lists in UTF-8 byte order. The honest
 * test server answers listings here instead. Independent of the product's own listing code on
 * purpose, so that the contract suite compares two implementations. Test support only.
 */
import { promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const OBJECT_SUFFIX = '._S3rver_object';

const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

interface Item {
  readonly key: string;
  readonly isPrefix: boolean;
}

async function walk(dir: string, rel: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
  } catch {
    return; // removed while walking
  }
  for (const entry of entries) {
    const relName = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) await walk(dir, relName, out);
    else if (entry.name.endsWith(OBJECT_SUFFIX)) out.push(relName.slice(0, -OBJECT_SUFFIX.length));
  }
}

export async function listObjectsV2(dataDir: string, bucket: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
  const bucketDir = path.join(dataDir, bucket);
  const exists = await fs.stat(bucketDir).then((s) => s.isDirectory(), () => false);
  if (!exists) {
    res.writeHead(404, { 'content-type': 'application/xml' });
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>${xml(bucket)}</BucketName></Error>`);
    return;
  }
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startAfter = query.get('start-after') ?? '';
  const token = query.get('continuation-token');
  const after = token !== null ? Buffer.from(token, 'base64url').toString('utf8') : '';
  const maxKeys = Math.min(1000, Number(query.get('max-keys') ?? '1000'));
  const urlEncoded = query.get('encoding-type') === 'url';

  const keys: string[] = [];
  await walk(bucketDir, '', keys);
  const items: Item[] = [];
  for (const key of keys.filter((k) => k.startsWith(prefix)).sort(byteOrder)) {
    if (startAfter !== '' && byteOrder(key, startAfter) <= 0) continue;
    const at = delimiter === '' ? -1 : key.indexOf(delimiter, prefix.length);
    const item: Item = at < 0 ? { key, isPrefix: false } : { key: key.slice(0, at + delimiter.length), isPrefix: true };
    if (after !== '' && byteOrder(item.key, after) <= 0) continue;
    const last = items[items.length - 1];
    if (item.isPrefix && last?.isPrefix && last.key === item.key) continue;
    items.push(item);
  }
  const page = items.slice(0, maxKeys);
  const truncated = items.length > maxKeys;
  const enc = (s: string): string => xml(urlEncoded ? encodeURIComponent(s).replace(/%2F/g, '/') : s);

  const contents = await Promise.all(
    page.filter((i) => !i.isPrefix).map(async (i) => {
      const file = path.join(bucketDir, `${i.key}${OBJECT_SUFFIX}`);
      const stat = await fs.stat(file).catch(() => undefined);
      const md5 = await fs.readFile(`${file}.md5`, 'utf8').catch(() => '');
      return `<Contents><Key>${enc(i.key)}</Key><LastModified>${(stat?.mtime ?? new Date(0)).toISOString()}</LastModified><ETag>&quot;${md5}&quot;</ETag><Size>${stat?.size ?? 0}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }),
  );
  const prefixes = page.filter((i) => i.isPrefix).map((i) => `<CommonPrefixes><Prefix>${enc(i.key)}</Prefix></CommonPrefixes>`);
  const lastItem = page[page.length - 1];
  const next = truncated && lastItem ? `<NextContinuationToken>${Buffer.from(lastItem.key, 'utf8').toString('base64url')}</NextContinuationToken>` : '';
  const body = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    `<Name>${xml(bucket)}</Name><Prefix>${enc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys>`,
    delimiter === '' ? '' : `<Delimiter>${enc(delimiter)}</Delimiter>`,
    startAfter === '' ? '' : `<StartAfter>${enc(startAfter)}</StartAfter>`,
    token === null ? '' : `<ContinuationToken>${xml(token)}</ContinuationToken>`,
    urlEncoded ? '<EncodingType>url</EncodingType>' : '',
    `<IsTruncated>${truncated}</IsTruncated>${next}`,
    ...contents,
    ...prefixes,
    '</ListBucketResult>',
  ].join('');
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
