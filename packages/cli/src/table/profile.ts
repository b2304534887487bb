/**
 * Where `k3 table …` finds the server and the token: `--url` / `--token` flags, then `K3_URL` /
 * `K3_TOKEN`, then the profile in `$XDG_CONFIG_HOME/k3/config.yaml` (default `~/.config/k3/`),
 * which `k3 login` writes (mode 0600: it holds a secret).
 *
 *   current: default
 *   profiles:
 *     default: { url: http://127.0.0.1:8080, token: k3_… }
 */
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import YAML from 'yaml';

export interface Profile {
  url?: string;
  token?: string;
}

interface ConfigFile {
  current?: string;
  profiles?: Record<string, Profile>;
}

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME !== '' ? env.XDG_CONFIG_HOME : path.join(env.HOME ?? homedir(), '.config');
  return path.join(base, 'k3', 'config.yaml');
}

async function readConfig(file: string): Promise<ConfigFile> {
  try {
    const parsed = YAML.parse(await readFile(file, 'utf8')) as ConfigFile | null;
    return parsed ?? {};
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw e;
  }
}

export async function loadProfile(env: NodeJS.ProcessEnv, name?: string): Promise<Profile> {
  const cfg = await readConfig(configPath(env));
  return cfg.profiles?.[name ?? cfg.current ?? 'default'] ?? {};
}

export async function saveProfile(env: NodeJS.ProcessEnv, name: string, profile: Profile): Promise<string> {
  const file = configPath(env);
  const cfg = await readConfig(file);
  cfg.profiles = { ...(cfg.profiles ?? {}), [name]: profile };
  cfg.current = name;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, YAML.stringify(cfg), { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

export interface Connection {
  url: string;
  token: string | undefined;
}

export async function resolveConnection(flags: { url?: string; token?: string; profile?: string }, env: NodeJS.ProcessEnv): Promise<Connection> {
  const profile = await loadProfile(env, flags.profile);
  return {
    url: flags.url ?? (env.K3_URL || undefined) ?? profile.url ?? DEFAULT_URL,
    token: flags.token ?? (env.K3_TOKEN || undefined) ?? profile.token,
  };
}
