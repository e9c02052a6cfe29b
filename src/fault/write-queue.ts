// Groups alarm writes that arrive together into one statement: each caller submits one operation
// and gets its own result (or its own error) back, in submission order per alarm.
//
// Why: PostgreSQL spent ~0.37 ms of CPU on a one-alarm statement (prepared) and ~0.13 ms per
// alarm in statements of 16 (protocol, executor start, commit and NOTIFY's commit-time lock are
// paid once per statement), and the controller saves a round trip with two context switches per
// alarm (measured in bench/fault.ts with 16-64 writers, see docs/adr/0004).
//
// Rules that keep the batching invisible to callers:
//   - one batch runs at a time, batches run in submission order;
//   - an operation with a key (the alarm it touches) joins the current batch unless the batch
//     already holds that key: two operations on one alarm never share a statement, so the later
//     one sees the earlier one's effect;
//   - an operation without a key (clear a subtree, clear by uuid) runs alone, after everything
//     submitted before it and before everything submitted after it;
//   - if a batch fails as a whole, each of its operations is retried alone, so one bad operation
//     fails only its own caller.

export interface BatchOptions {
  /** Most operations in one batch. */
  maxBatch: number;
}

interface Pending<Op, R> {
  op: Op;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

/** How much batching happened: operations applied and the statements (batches) they took. */
export interface BatchStats {
  operations: number;
  batches: number;
}

export class WriteQueue<Op, R> {
  private pending: Pending<Op, R>[] = [];
  private running: Promise<void> | undefined;
  private readonly counts: BatchStats = { operations: 0, batches: 0 };

  /**
   * @param run applies a batch and returns one result per operation, in the batch's order
   * @param keyOf the alarm an operation touches; undefined = it runs alone
   */
  constructor(
    private readonly run: (ops: Op[]) => Promise<R[]>,
    private readonly keyOf: (op: Op) => string | undefined,
    private readonly opts: BatchOptions = { maxBatch: 256 },
  ) {}

  submit(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      // setImmediate: every request parsed in this turn of the event loop joins the first batch.
      this.running ??= new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  /** Counts since the start (a batch retried item by item counts once per attempt). */
  stats(): BatchStats {
    return { ...this.counts };
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.take();
        await this.apply(batch);
      }
    } finally {
      this.running = undefined;
    }
  }

  /** The longest prefix of the queue that may share a statement. */
  private take(): Pending<Op, R>[] {
    const first = this.pending[0]!;
    if (this.keyOf(first.op) === undefined) return this.pending.splice(0, 1);
    const keys = new Set<string>();
    let n = 0;
    for (const p of this.pending) {
      const key = this.keyOf(p.op);
      if (key === undefined || keys.has(key) || n === this.opts.maxBatch) break;
      keys.add(key);
      n++;
    }
    return this.pending.splice(0, n);
  }

  private async apply(batch: Pending<Op, R>[]): Promise<void> {
    let results: R[];
    this.counts.batches++;
    this.counts.operations += batch.length;
    try {
      results = await this.run(batch.map((p) => p.op));
    } catch (e) {
      if (batch.length === 1) {
        batch[0]!.reject(e);
        return;
      }
      // One operation may have broken the statement for all: give each its own answer.
      for (const p of batch) await this.apply([p]);
      return;
    }
    if (results.length !== batch.length) {
      const e = new Error(`a batch of ${batch.length} alarm writes returned ${results.length} results`);
      for (const p of batch) p.reject(e);
      return;
    }
    batch.forEach((p, i) => p.resolve(results[i]!));
  }
}
