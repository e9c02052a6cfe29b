// Group commit: many callers' small writes (or reads) made as a few large ones. A caller submits
// one item and awaits its own result; items submitted while `maxInFlight` batches run wait and
// go together in the next batch, so under load a batch grows to what arrived during the last one
// (one transaction for hundreds of items) and when idle an item goes alone at once. No timers:
// nothing waits for a batch to fill.

export interface GroupCommitOptions<I, O> {
  /** Runs one batch: one result per item, in the items' order (or throws: every item fails). */
  run: (items: I[]) => Promise<O[]>;
  /** Items per batch at most. */
  maxBatch: number;
  /** Batches running at once at most. */
  maxInFlight: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export class GroupCommit<I, O> {
  private waiting: Pending<I, O>[] = [];
  private inFlight = 0;
  /** Batches run since start, and the items in them (for tests and the benchmark). */
  batches = 0;
  items = 0;

  constructor(private readonly o: GroupCommitOptions<I, O>) {
    if (o.maxBatch < 1 || o.maxInFlight < 1) throw new RangeError('maxBatch and maxInFlight must be positive');
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.o.maxBatch);
      this.inFlight++;
      this.batches++;
      this.items += batch.length;
      void this.runBatch(batch);
    }
  }

  private async runBatch(batch: Pending<I, O>[]): Promise<void> {
    try {
      const out = await this.o.run(batch.map((p) => p.item));
      batch.forEach((p, i) => p.resolve(out[i]!));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight--;
      this.pump();
    }
  }
}
