// The reconciler contract (controller-runtime's): a reconciler looks at one key's stored state,
// makes the world agree a step further, and says what should happen to the key next. Steps are
// idempotent: running one again (after a crash, a duplicate event) does no harm.

export type ReconcileResult =
  /** Converged: nothing to do until something changes (an event adds the key again). */
  | { readonly kind: 'done' }
  /** Waiting on time (a step timeout, a poll): run again after `afterMs`. Not a failure. */
  | { readonly kind: 'requeue'; readonly afterMs: number }
  /** Failed, may succeed later: run again after the key's backoff (which grows while it fails). */
  | { readonly kind: 'error'; readonly error: unknown }
  /** Failed and will keep failing until someone changes something: not retried; the owner is told
   *  (to raise an alarm). A later event for the key runs it again. */
  | { readonly kind: 'terminal'; readonly error: unknown };

export const done: ReconcileResult = Object.freeze({ kind: 'done' });
export const requeueAfter = (afterMs: number): ReconcileResult => ({ kind: 'requeue', afterMs });
export const retry = (error: unknown): ReconcileResult => ({ kind: 'error', error });
export const terminal = (error: unknown): ReconcileResult => ({ kind: 'terminal', error });

/** Reconciles one key. A thrown error (or rejected promise) counts as `retry(error)`. */
export type Reconciler<K extends string> = (key: K) => Promise<ReconcileResult>;
