/**
 * Makes s3rver's file store behave like S3 where the contract suite can observe the difference.
 * Test support only.
 * - PUT: stock s3rver truncates the object file in place, rewrites its metadata files in place and
 *   can answer before the write stream has flushed, so a concurrent or immediately following GET
 *   may see a torn object or fail on half-written metadata (500). Here every file is written to a
 *   temp name and renamed into place before the PUT is answered.
 * - DELETE: stock s3rver answers 500 when deleting a missing key whose parent "directory" does not
 *   exist, or when two deletes race to prune the same directory; S3 deletes are idempotent.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type S3rver from 's3rver';

async function collect(content: Buffer | NodeJS.ReadableStream): Promise<Buffer> {
  if (Buffer.isBuffer(content)) return content;
  const chunks: Buffer[] = [];
  for await (const chunk of content as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const tempName = (): string => `.k3tmp-${randomBytes(8).toString('hex')}`;

export function patchS3rverStore(server: S3rver): void {
  const store = server.store;

  store.putObject = async (object) => {
    const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
    const dir = path.dirname(objectPath);
    const body = await collect(object.content);
    const md5 = createHash('md5').update(body).digest('hex');
    await fs.mkdir(dir, { recursive: true });
    // Metadata is written for a temp key next to the object, then renamed: s3rver's own file
    // format, without copying its metadata filtering. Temp names never end in `._S3rver_object`,
    // so no listing shows them.
    const tmpKey = path.posix.join(path.posix.dirname(object.key), tempName());
    await store.putMetadata(object.bucket, tmpKey, object.metadata, md5);
    await fs.rename(store.getResourcePath(object.bucket, tmpKey, 'object.md5'), store.getResourcePath(object.bucket, object.key, 'object.md5'));
    await fs.rename(store.getResourcePath(object.bucket, tmpKey, 'metadata.json'), store.getResourcePath(object.bucket, object.key, 'metadata.json'));
    const tmp = path.join(dir, tempName());
    await fs.writeFile(tmp, body);
    await fs.rename(tmp, objectPath);
    return { size: body.length, md5 };
  };

  store.deleteObject = async (bucket, key) => {
    const files = ['object', 'object.md5', 'metadata.json'].map((r) => store.getResourcePath(bucket, key, r));
    for (const file of files) await fs.rm(file, { force: true });
    const parts = key.split('/').slice(0, -1);
    while (parts.length > 0) {
      try {
        await fs.rmdir(path.join(store.getBucketPath(bucket), ...parts));
      } catch {
        return; // not empty, or already pruned by a concurrent delete
      }
      parts.pop();
    }
  };
}
