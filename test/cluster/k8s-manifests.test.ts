/**
 * deploy/k8s stays in step with the code: every K3_* key the ConfigMap sets exists in the config
 * schema and parses, the roles run the real service entry points, and the KEDA ScaledObject watches
 * the BullMQ wait list the workers actually consume (`<K3_QUEUE_PREFIX>:<scan queue>:wait`).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, loadConfig } from '../../packages/core/src/config/index.ts';
import { QUEUE_NAMES } from '../../packages/core/src/jobs/index.ts';

const DIR = path.resolve(import.meta.dirname, '../../deploy/k8s');
const read = (name: string): string => readFileSync(path.join(DIR, name), 'utf8');

/** `KEY: value` pairs of the ConfigMap's data block (flat YAML, values optionally quoted). */
function configMapData(): Record<string, string> {
  const text = read('config.yaml').split('---')[0]!;
  const data = text.slice(text.indexOf('\ndata:') + 6);
  const out: Record<string, string> = {};
  for (const m of data.matchAll(/^ {2}(K3_[A-Z0-9_]+):\s*("([^"]*)"|[^\s#]+)/gm)) out[m[1]!] = m[3] ?? m[2]!;
  return out;
}

describe('deploy/k8s manifests', () => {
  it('the ConfigMap sets only known K3_* keys, and they load', () => {
    const data = configMapData();
    expect(Object.keys(data).length).toBeGreaterThan(10);
    for (const key of Object.keys(data)) expect(Object.keys(CONFIG_KEYS)).toContain(key);
    expect(() => loadConfig(data)).not.toThrow();
  });

  it('the coordinator binds a non-loopback address with auth on (K3_AUTH=off would refuse to start there)', () => {
    const config = loadConfig(configMapData());
    expect(config.K3_AUTH).toBe('on');
    expect(read('coordinator.yaml')).toMatch(/K3_HOST[\s\S]{0,40}0\.0\.0\.0/);
  });

  it('the KEDA ScaledObject scales workers on the BullMQ wait list of the scan queue', () => {
    const worker = read('worker.yaml');
    expect(worker).toContain('kind: ScaledObject');
    const listName = /listName:\s*(\S+)/.exec(worker)?.[1];
    expect(listName).toBe(`${configMapData()['K3_QUEUE_PREFIX']}:${QUEUE_NAMES.scan}:wait`);
  });

  it.each([['coordinator.yaml', 'coordinator'], ['worker.yaml', 'worker'], ['compactor.yaml', 'compactor']])('%s runs services/%s/src/main.ts', (file, service) => {
    const entry = `services/${service}/src/main.ts`;
    expect(read(file)).toContain(`"${entry}"`);
    expect(existsSync(path.resolve(DIR, '../..', entry))).toBe(true);
  });
});
