/**
 * The number of CPUs this process may really use: `os.availableParallelism()`
 * bounded by the CPU quota of the process's cgroup (v2 `cpu.max`, v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), so a container limited to 2 CPUs
 * on a 64-core host gets 2 workers, not 64. Nothing is read at import: the
 * files are read when {@link defaultWorkerSizing} is called.
 *
 * The quota of every cgroup from the process's own up to the root counts (a
 * limit on a parent caps its children), and the smallest one wins. A cgroup
 * folder that does not exist is skipped: inside a container without a cgroup
 * namespace, `/proc/self/cgroup` names the host's path while the container's
 * own cgroup is mounted at the root.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** The local pool's worker count and where it came from. */
export interface WorkerSizing {
  /** Largest number of worker threads. */
  maxWorkers: number;
  /**
   * Where `maxWorkers` came from: `'option'` (`local.maxWorkers`),
   * `'availableParallelism'` (`os.availableParallelism()`, no smaller cgroup
   * quota), or the cgroup file that bounded it, such as
   * `'cgroup v2 cpu.max 150000 100000'` or
   * `'cgroup v1 cpu.cfs_quota_us 150000 cpu.cfs_period_us 100000'`.
   */
  source: string;
}

/**
 * Environment variable naming a folder that replaces `/` when the cgroup is
 * looked up (`<root>/proc/self/cgroup`, `<root>/sys/fs/cgroup/...`). A test
 * hook: it lets tests read a fake cgroup tree.
 */
const CGROUP_ROOT_ENV = 'SPILLWAY_CGROUP_ROOT';

/** A CPU quota found in one cgroup file. */
interface Quota {
  cpus: number;
  source: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `/a/b/c` → `['/a/b/c', '/a/b', '/a', '/']`: a cgroup and its ancestors. */
function selfAndAncestors(cgroupPath: string): string[] {
  const parts = cgroupPath.split('/').filter((part) => part !== '');
  const paths: string[] = [];
  for (let length = parts.length; length >= 0; length--) paths.push(`/${parts.slice(0, length).join('/')}`);
  return paths;
}

/** CPUs allowed by `quota` µs of CPU time per `period` µs, rounded up; undefined when unbounded or malformed. */
function cpusOf(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

/** v2: `cpu.max` holds `<quota> <period>`, or `max <period>` for no limit. */
function v2Quota(cgroupDir: string): Quota | undefined {
  const text = readText(join(cgroupDir, 'cpu.max'));
  if (text === undefined) return undefined;
  const [quota = '', period = ''] = text.split(/\s+/);
  if (quota === 'max') return undefined;
  const cpus = cpusOf(Number(quota), Number(period));
  return cpus === undefined ? undefined : { cpus, source: `cgroup v2 cpu.max ${quota} ${period}` };
}

/** v1: `cpu.cfs_quota_us` (`-1` for no limit) over `cpu.cfs_period_us`. */
function v1Quota(cgroupDir: string): Quota | undefined {
  const quota = readText(join(cgroupDir, 'cpu.cfs_quota_us'));
  const period = readText(join(cgroupDir, 'cpu.cfs_period_us'));
  if (quota === undefined || period === undefined) return undefined;
  const cpus = cpusOf(Number(quota), Number(period));
  return cpus === undefined ? undefined : { cpus, source: `cgroup v1 cpu.cfs_quota_us ${quota} cpu.cfs_period_us ${period}` };
}

/** Mount folders of the v1 `cpu` controller, for a `/proc/self/cgroup` controller list such as `cpu,cpuacct`. */
function v1Mounts(cgroupFs: string, controllers: string): string[] {
  return [...new Set([controllers, 'cpu,cpuacct', 'cpuacct,cpu', 'cpu'])].map((name) => join(cgroupFs, name));
}

/** Every quota that applies to this process, from the lines of `/proc/self/cgroup`. */
function quotas(root: string): Quota[] {
  const cgroupFs = join(root, 'sys/fs/cgroup');
  const found: Quota[] = [];
  const lines = readText(join(root, 'proc/self/cgroup'))?.split('\n') ?? [];
  for (const line of lines) {
    // `<id>:<controllers>:<path>`; the path may itself hold colons.
    const [id, controllers, ...rest] = line.split(':');
    const path = rest.join(':');
    if (id === undefined || controllers === undefined || !path.startsWith('/')) continue;
    if (id === '0' && controllers === '') {
      for (const dir of selfAndAncestors(path)) pushDefined(found, v2Quota(join(cgroupFs, dir)));
    } else if (controllers.split(',').includes('cpu')) {
      for (const mount of v1Mounts(cgroupFs, controllers)) {
        for (const dir of selfAndAncestors(path)) pushDefined(found, v1Quota(join(mount, dir)));
      }
    }
  }
  return found;
}

function pushDefined(list: Quota[], quota: Quota | undefined): void {
  if (quota !== undefined) list.push(quota);
}

/**
 * The default `local.maxWorkers`: `os.availableParallelism()`, or the
 * smallest cgroup CPU quota of this process (rounded up) when that is not
 * larger (a quota equal to the CPU count is named as the source: it binds
 * too). Reads `/proc/self/cgroup` and `/sys/fs/cgroup` (under
 * `SPILLWAY_CGROUP_ROOT` when set); a missing or unreadable file counts as no
 * limit, so this never throws.
 */
export function defaultWorkerSizing(env: NodeJS.ProcessEnv = process.env): WorkerSizing {
  const parallelism = availableParallelism();
  let tightest: Quota | undefined;
  for (const quota of quotas(env[CGROUP_ROOT_ENV] || '/')) {
    if (tightest === undefined || quota.cpus < tightest.cpus) tightest = quota;
  }
  if (tightest !== undefined && tightest.cpus <= parallelism) return { maxWorkers: tightest.cpus, source: tightest.source };
  return { maxWorkers: parallelism, source: 'availableParallelism' };
}
