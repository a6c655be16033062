/**
 * Affinity of the local pool: attempts with the same key go to the same live
 * worker, so the cache a task's `setup` (or the task itself) filled there is
 * reused. Each worker holds a slot (0 to maxWorkers - 1, the lowest free one
 * when it starts, so a replacement takes its predecessor's slot), and a key
 * goes to the live slot with the highest rendezvous score: a worker that dies
 * or is recycled moves only its own keys. Keyed attempts wait in their
 * worker's {@link Lane}; one whose worker's lane holds `maxQueued` attempts
 * goes to the shared queue instead (an `affinityMiss`).
 *
 * Routing a chunk to one worker uses piscina's `loadBalancer` option: the
 * chunk's message carries the chunk under `Piscina.queueOptionsSymbol`,
 * and the balancer returns the chunk's target worker when it is idle,
 * piscina's own least-busy choice otherwise. The balancer also records which
 * worker took each chunk, so the dispatcher knows which workers are idle.
 * (piscina has no other way to pick the worker of a task.)
 *
 * Growth: piscina starts a worker (up to `maxWorkers`) only for a task no
 * worker takes, and keyed attempts wait in lanes, not in piscina. So while
 * keyed attempts wait, every live worker is busy and the pool has room (and
 * at least `minWorkers`, which piscina keeps itself), the fullest lane's next
 * chunk is sent as a growth chunk: the balancer gives it only to an idle
 * worker (its key's first), so piscina starts one, and the chunk runs on the
 * first worker to be free. A worker that joins takes the keys it scores
 * highest on from then on (rendezvous hashing: only those keys move).
 */
import { Piscina } from 'piscina';
import type { ChunkPool } from './chunk-pool.js';
import type { Chunk, Job, WorkerSlot } from './job.js';
import type { JobQueue } from './job-queue.js';
import { Lane } from './lane.js';
import { type LoadBalancer, leastBusy, type PoolWorker } from './least-busy.js';
import { hashKey, score } from './rendezvous-hash.js';

/** Why a keyed attempt did not go to its key's worker. */
export type AffinityMissReason = 'queue-full' | 'no-worker' | 'worker-gone' | 'worker-busy';

/** Payload of the offloader's `affinityMiss` event. */
export interface AffinityMissInfo {
  /** The task's `offloadable` name. */
  taskName: string;
  /** Task id, stable across retries. */
  taskId: string;
  /** Backend of the attempt: `local`. */
  backend: string;
  /** The attempt's affinity key. */
  key: string;
  /**
   * `'queue-full'`: the key's worker already had `local.affinityMaxQueue`
   * keyed attempts waiting; `'no-worker'`: no worker was alive;
   * `'worker-gone'`: the key's worker died or was recycled before it ran
   * the attempt; `'worker-busy'`: piscina had given the key's worker other
   * work when the attempt was sent. The attempt runs on whichever worker is
   * free first.
   */
  reason: AffinityMissReason;
  /** `threadId` of the key's worker, when there was one. */
  worker?: number;
}

/** Keyed attempts of the local pool so far: on their key's worker, or not. */
export interface AffinityStats {
  /** Keyed attempts queued for their key's worker. */
  hits: number;
  /** Keyed attempts that went elsewhere (each an `affinityMiss` event). */
  misses: number;
  /** hits / (hits + misses); 0 before any keyed attempt. */
  hitRate: number;
}

/** What {@link WorkerAffinity} works with. */
interface WorkerAffinityOptions {
  backend: string;
  maxWorkers: number;
  /** Workers piscina keeps alive (it replaces those below this itself). */
  minWorkers: number;
  /** Chunks one worker holds at once (piscina's `concurrentTasksPerWorker`). */
  chunksPerWorker: number;
  /** `local.affinityMaxQueue`. */
  maxQueued: number;
  queue: JobQueue;
  onMiss?: (miss: AffinityMissInfo) => void;
  /** Asks the dispatcher to pump (attempts moved to the shared queue). */
  wake: () => void;
}

/** Slots, lanes and the piscina balancer of the local pool. */
export class WorkerAffinity {
  readonly #options: WorkerAffinityOptions;
  readonly #bySlot: (WorkerSlot | undefined)[];
  readonly #byId = new Map<number, WorkerSlot>();
  readonly #lanes: Lane[];
  #hits = 0;
  #misses = 0;
  /** Keyed attempts put in a lane (some may have settled since). */
  #laned = 0;
  /** Growth chunks piscina has not placed yet (each may start a worker). */
  #growing = 0;

  constructor(options: WorkerAffinityOptions) {
    this.#options = options;
    this.#bySlot = new Array(options.maxWorkers).fill(undefined);
    this.#lanes = Array.from({ length: options.maxWorkers }, () => new Lane());
  }

  /** Follows the pool's workers: those alive now, and every start and end from now on. */
  watch(pool: Pick<ChunkPool, 'threads' | 'on'>): void {
    for (const thread of pool.threads) this.#started(thread.threadId);
    pool.on('workerCreate', (worker) => this.#started((worker as { id: number }).id));
    pool.on('workerDestroy', (worker) => this.#ended((worker as { id: number }).id));
  }

  /** piscina's `loadBalancer`: a chunk's target worker when it is idle, else piscina's least-busy choice; records the choice. */
  readonly balance: LoadBalancer = (task, workers) => {
    const chunk = (task as unknown as Record<symbol, Chunk | null>)[Piscina.queueOptionsSymbol];
    let chosen: PoolWorker | null = null;
    const target = chunk?.target;
    if (target !== undefined) {
      for (const worker of workers) {
        if (worker.id === target.id && worker.currentUsage === 0 && !worker.terminating) chosen = worker;
      }
    }
    if (chunk?.grow === true) {
      // Only an idle worker: with none, piscina starts one for this chunk.
      chosen ??= workers.find((worker) => worker.currentUsage === 0 && !worker.terminating) ?? null;
      if (chosen === null) return null;
      chunk.grow = false;
      this.#growing--;
    }
    chosen ??= leastBusy(task, workers, this.#options.chunksPerWorker);
    if (chosen !== null && chunk != null) {
      const placed = this.#byId.get(chosen.id);
      if (placed !== undefined) placed.chunksOut++;
      chunk.worker = placed;
      if (target !== undefined && chunk.grow === false && placed !== target) this.misplaced(chunk, target);
    }
    return chosen;
  };

  /** Hits, misses and the hit rate so far. */
  stats(): AffinityStats {
    const total = this.#hits + this.#misses;
    return { hits: this.#hits, misses: this.#misses, hitRate: total === 0 ? 0 : this.#hits / total };
  }

  /** Queues a keyed job for its key's worker; false when it must go to the shared queue (the miss is reported). */
  route(job: Job, key: string): boolean {
    const worker = this.#ownerOf(key);
    if (worker === undefined) return this.#miss(job, key, 'no-worker', undefined);
    const lane = this.#lanes[worker.slot];
    if (lane.queued >= this.#options.maxQueued) return this.#miss(job, key, 'queue-full', worker);
    this.#options.queue.pushTo(lane, job);
    this.#laned++;
    this.#hits++;
    return true;
  }

  /**
   * Sends each idle worker's lane through `dispatch` (one chunk per worker)
   * and returns how many chunks the shared queue may have out: one per live
   * worker while lanes wait, so none waits inside piscina ahead of a lane.
   */
  pump(take: (lane: Lane) => Job[], dispatch: (jobs: Job[], target: WorkerSlot, grow?: boolean) => void, maxChunks: number): number {
    if (this.#laned === 0) return maxChunks;
    let waiting = 0;
    let idle = false;
    for (const worker of this.#bySlot) {
      if (worker === undefined) continue;
      const lane = this.#lanes[worker.slot];
      if (worker.chunksOut === 0) {
        const jobs = take(lane);
        this.#laned -= jobs.length;
        if (jobs.length > 0) dispatch(jobs, worker);
        idle ||= worker.chunksOut === 0;
      }
      waiting += lane.queued;
    }
    this.#laned = waiting;
    if (waiting === 0) return maxChunks;
    if (!idle) this.#grow(take, dispatch);
    return Math.min(maxChunks, this.#byId.size);
  }

  /** `chunk` came back (or its worker died, or it was aborted unplaced): its worker has one chunk less. */
  done(chunk: Chunk): void {
    if (chunk.worker !== undefined) chunk.worker.chunksOut--;
    chunk.worker = undefined;
    if (chunk.grow === true) {
      chunk.grow = false;
      this.#growing--;
    }
  }

  /** A chunk meant for `target` went to another worker (or waits in piscina for any): its attempts missed. */
  misplaced(chunk: Chunk, target: WorkerSlot): void {
    const reason = this.#byId.get(target.id) === target ? 'worker-busy' : 'worker-gone';
    for (const job of chunk.jobs) {
      if (job.affinityKey === undefined) continue;
      this.#hits--;
      this.#miss(job, job.affinityKey, reason, target);
    }
  }

  /** Settles every laned job with `error()` (the pool is destroyed). */
  drain(error: Parameters<JobQueue['drain']>[0]): void {
    for (const lane of this.#lanes) for (const job of lane.takeAll()) this.#options.queue.settle(job, error());
    this.#laned = 0;
  }

  /** Sends the fullest lanes' next chunks as growth chunks while the pool has room for more workers (see the file's comment). */
  #grow(take: (lane: Lane) => Job[], dispatch: (jobs: Job[], target: WorkerSlot, grow: boolean) => void): void {
    const { minWorkers, maxWorkers } = this.#options;
    while (this.#byId.size >= minWorkers && this.#byId.size + this.#growing < maxWorkers) {
      let fullest: WorkerSlot | undefined;
      let most = 0;
      for (const worker of this.#bySlot) {
        const queued = worker === undefined ? 0 : this.#lanes[worker.slot].queued;
        if (queued > most) [fullest, most] = [worker, queued];
      }
      if (fullest === undefined) return;
      const jobs = take(this.#lanes[fullest.slot]);
      if (jobs.length === 0) return;
      this.#laned -= jobs.length;
      this.#growing++;
      dispatch(jobs, fullest, true);
    }
  }

  /** The live worker whose slot scores highest for `key`. */
  #ownerOf(key: string): WorkerSlot | undefined {
    const keyHash = hashKey(key);
    let best: WorkerSlot | undefined;
    let bestScore = -1;
    for (const worker of this.#bySlot) {
      if (worker === undefined) continue;
      const value = score(keyHash, worker.slot);
      if (value > bestScore) {
        best = worker;
        bestScore = value;
      }
    }
    return best;
  }

  #miss(job: Job, key: string, reason: AffinityMissReason, worker: WorkerSlot | undefined): false {
    this.#misses++;
    const onMiss = this.#options.onMiss;
    if (onMiss !== undefined) {
      const miss: AffinityMissInfo = { taskName: job.envelope.task, taskId: job.envelope.id, backend: this.#options.backend, key, reason };
      if (worker !== undefined) miss.worker = worker.id;
      onMiss(miss);
    }
    return false;
  }

  #started(id: number): void {
    if (this.#byId.has(id)) return;
    const slot = this.#bySlot.indexOf(undefined);
    if (slot === -1) return;
    const worker: WorkerSlot = { id, slot, chunksOut: 0 };
    this.#bySlot[slot] = worker;
    this.#byId.set(id, worker);
  }

  /** A worker ended: its slot frees, and the attempts waiting in its lane go to the shared queue's front. */
  #ended(id: number): void {
    const worker = this.#byId.get(id);
    if (worker === undefined) return;
    this.#byId.delete(id);
    this.#bySlot[worker.slot] = undefined;
    const orphans = this.#lanes[worker.slot].takeAll();
    if (orphans.length === 0) return;
    this.#laned -= orphans.length;
    for (const job of orphans) {
      this.#hits--;
      this.#miss(job, job.affinityKey ?? '', 'worker-gone', worker);
    }
    this.#options.queue.moveToFront(orphans);
    this.#options.wake();
  }
}
