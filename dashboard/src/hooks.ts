// Small hooks: data that loads (and reloads on a change or a period), the hash route, live ticks.

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Session } from './api.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Loads `fn` now, again whenever a dependency changes, and every `everyMs` while the page is
 * visible (a request is never started while the last one is still running).
 */
export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const busy = useRef(false);
  const fnRef = useRef(fn);
  fnRef.current = fn;

  useEffect(() => {
    const abort = new AbortController();
    const load = async (): Promise<void> => {
      if (busy.current) return;
      busy.current = true;
      try {
        const d = await fnRef.current(abort.signal);
        if (!abort.signal.aborted) {
          setData(d);
          setError(undefined);
        }
      } catch (e) {
        if (!abort.signal.aborted) setError((e as Error).message);
      } finally {
        busy.current = false;
        if (!abort.signal.aborted) setLoading(false);
      }
    };
    void load();
    const timer = everyMs === undefined ? undefined : setInterval(() => document.visibilityState === 'visible' && void load(), everyMs);
    return () => {
      abort.abort();
      busy.current = false;
      if (timer !== undefined) clearInterval(timer);
    };
  }, [...deps, nonce, everyMs]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}

/** The route is the part of the URL after `#` (`/hosts/controller-0`): no server fallback needed. */
export function useRoute(): string {
  const read = (): string => decodeURI(location.hash.replace(/^#/, '')) || '/';
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = (): void => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const go = (route: string): void => {
  location.hash = route;
};

export interface Live {
  session: Session;
  /** Bumped on every alarm/event notification of the stream: pages showing fault data reload. */
  faultTick: number;
  /** Is this controller a system controller (dcmanager)? */
  systemController: boolean;
}

export const LiveContext = createContext<Live | undefined>(undefined);

export function useLive(): Live {
  const l = useContext(LiveContext);
  if (l === undefined) throw new Error('useLive outside the app');
  return l;
}
