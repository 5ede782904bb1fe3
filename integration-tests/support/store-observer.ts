import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One checkpoint record as the observer saw it on disk. */
export interface SeenCheckpoint {
  readonly id: number;
  readonly ownerEpoch: number | undefined;
  /** Order of first sight (0, 1, …). */
  readonly order: number;
}

/**
 * Watches a local checkpoint store from outside, as an operator's `ls` would, every `periodMs`: the id counter's
 * `next`, and every checkpoint file that appears (id and owner epoch). It records, never asserts;
 * {@link StoreObserver.violations} says what broke the store's promises: the counter going back, a checkpoint id
 * appearing after a greater one was seen, or one id written by two owners.
 */
export class StoreObserver {
  readonly checkpoints = new Map<number, SeenCheckpoint>();
  readonly counterValues: number[] = [];
  private readonly problems: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly periodMs = 50,
  ) {}

  start(): void {
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.periodMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
    await this.poll();
  }

  /** Checkpoint ids written by owner `epoch`, in order of appearance. */
  idsOf(epoch: number): number[] {
    return [...this.checkpoints.values()].filter((seen) => seen.ownerEpoch === epoch).map((seen) => seen.id);
  }

  /** What broke the store's promises, one line each (empty when nothing did). */
  violations(): string[] {
    return [...this.problems];
  }

  /** The files of the store now (names and contents), to compare before and after something that must not write. */
  async snapshot(): Promise<Record<string, string>> {
    const names = (await readdir(this.dir).catch(() => [] as string[])).filter((name) => name.endsWith('.json')).sort();
    const entries = await Promise.all(names.map(async (name) => [name, await readFile(join(this.dir, name), 'utf8').catch(() => '(gone)')] as const));
    return Object.fromEntries(entries);
  }

  private async poll(): Promise<void> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    const counter = await this.readJson('checkpoint-id.json');
    if (typeof counter?.next === 'number') {
      const last = this.counterValues.at(-1);
      if (last !== undefined && counter.next < last) this.problems.push(`checkpoint-id.json went back from next ${last} to ${counter.next}`);
      if (last !== counter.next) this.counterValues.push(counter.next);
    }
    const ids = names.flatMap((name) => /^chk-(\d{12})\.json$/.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    for (const id of ids) await this.see(id);
  }

  private async see(id: number): Promise<void> {
    const body = await this.readJson(`chk-${String(id).padStart(12, '0')}.json`);
    if (body === undefined) return;
    const ownerEpoch = typeof body.ownerEpoch === 'number' ? body.ownerEpoch : undefined;
    const known = this.checkpoints.get(id);
    if (known !== undefined) {
      if (known.ownerEpoch !== ownerEpoch) this.problems.push(`checkpoint ${id} written by owner ${known.ownerEpoch} and again by owner ${ownerEpoch}`);
      return;
    }
    const newest = Math.max(0, ...this.checkpoints.keys());
    if (id < newest) this.problems.push(`checkpoint ${id} (owner ${ownerEpoch}) appeared after checkpoint ${newest}`);
    this.checkpoints.set(id, { id, ownerEpoch, order: this.checkpoints.size });
  }

  private async readJson(name: string): Promise<Record<string, unknown> | undefined> {
    try {
      return JSON.parse(await readFile(join(this.dir, name), 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined; // not there (yet, or pruned meanwhile)
    }
  }
}
