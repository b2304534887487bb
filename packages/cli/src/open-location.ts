/**
 * A table location on the command line → an object store and the table root inside it.
 * `s3://bucket/prefix` uses S3ObjectStore configured from K3_S3_* (loadConfig); anything else is a
 * local directory, opened as a LocalObjectStore rooted at the table directory (root '').
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError, loadConfig } from '@k3/core';
import { LocalObjectStore, S3ObjectStore, type ObjectStore } from '@k3/core/object-store';

export interface TableLocation {
  readonly store: ObjectStore;
  readonly root: string;
}

export async function openLocation(location: string, env?: Record<string, string | undefined>): Promise<TableLocation> {
  const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (s3) {
    const [, bucket = '', prefix = ''] = s3;
    const config = env === undefined ? loadConfig() : loadConfig(env);
    const store = new S3ObjectStore({
      bucket,
      endpoint: config.K3_S3_ENDPOINT,
      region: config.K3_S3_REGION,
      forcePathStyle: config.K3_S3_FORCE_PATH_STYLE,
    });
    return { store, root: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
  }
  const dir = path.resolve(location.startsWith('file://') ? new URL(location).pathname : location);
  const st = await stat(dir).catch(() => undefined);
  if (st === undefined || !st.isDirectory()) {
    throw new AppError('ERR_TABLE_NOT_FOUND', `${dir} is not a directory; give a Delta table directory or an s3://bucket/prefix URL.`, { location });
  }
  return { store: new LocalObjectStore(dir), root: '' };
}
