// The Starling dashboard: a single page served by the controller at `/`. It logs in with
// Keystone, reads and changes everything through the REST API, and follows the alarm stream.

import { render, type JSX } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, canChange, currentSession, logout, setSessionEndHandler, type Session } from './api.ts';
import { LiveContext, useLoad, useRoute, type Live } from './hooks.ts';
import { followAlarmStream, type StreamState } from './stream.ts';
import { Alarms } from './pages/Alarms.tsx';
import { Events } from './pages/Events.tsx';
import { Host } from './pages/Host.tsx';
import { Hosts } from './pages/Hosts.tsx';
import { Login } from './pages/Login.tsx';
import { Overview } from './pages/Overview.tsx';
import { Subclouds } from './pages/Subclouds.tsx';
import { Topology } from './pages/Topology.tsx';
import './style.css';

function App(): JSX.Element {
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [notice, setNotice] = useState<string | undefined>(undefined);
  useEffect(() => {
    setSessionEndHandler((reason) => {
      setNotice(reason);
      setSession(undefined);
      location.hash = '/';
    });
  }, []);
  // The token's own end: back to the login page when it expires, even with no request made.
  useEffect(() => {
    if (session === undefined) return;
    const left = Date.parse(session.expiresAt) - Date.now();
    const t = setTimeout(() => void logout(), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    return () => clearTimeout(t);
  }, [session]);
  if (session === undefined) {
    return (
      <Login
        notice={notice}
        onLogin={(s) => {
          setNotice(undefined);
          setSession(s);
        }}
      />
    );
  }
  return <Shell session={session} />;
}

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/hosts', 'Hosts'],
  ['/topology', 'Topology'],
  ['/alarms', 'Alarms'],
  ['/events', 'Event log'],
];

function Shell({ session }: { session: Session }): JSX.Element {
  const route = useRoute();
  const [faultTick, setFaultTick] = useState(0);
  const [stream, setStream] = useState<StreamState>('connecting');
  const system = useLoad((s) => api<{ isystems: { name: string; distributed_cloud_role: string | null; system_mode?: string }[] }>('GET', 'v1/isystems', undefined, s), []);
  const sys = system.data?.isystems[0];

  // Every notification bumps the tick (at most every 200 ms): the pages showing alarms reload.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = followAlarmStream(
      () => {
        timer ??= setTimeout(() => {
          timer = undefined;
          setFaultTick((n) => n + 1);
        }, 200);
      },
      (s) => {
        setStream(s);
        // A reconnect may have missed notifications: reload once.
        if (s === 'live') setFaultTick((n) => n + 1);
      },
    );
    return () => {
      stop();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [session.token]);

  const live: Live = useMemo(
    () => ({ session, faultTick, systemController: sys?.distributed_cloud_role === 'systemcontroller' }),
    [session, faultTick, sys?.distributed_cloud_role],
  );
  const section = '/' + (route.split('/')[1] ?? '');
  let page: JSX.Element;
  const parts = route.split('/').filter((p) => p !== '');
  if (parts[0] === 'hosts' && parts[1] !== undefined) page = <Host id={parts[1]} />;
  else if (parts[0] === 'hosts') page = <Hosts />;
  else if (parts[0] === 'alarms') page = <Alarms selected={parts[1]} />;
  else if (parts[0] === 'events') page = <Events />;
  else if (parts[0] === 'topology') page = <Topology />;
  else if (parts[0] === 'subclouds') page = <Subclouds />;
  else page = <Overview />;

  return (
    <LiveContext.Provider value={live}>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Starling</span>
        {sys !== undefined && (
          <span class="system muted">
            {sys.name}
            {sys.distributed_cloud_role ? ` · ${sys.distributed_cloud_role}` : ''}
          </span>
        )}
        <nav aria-label="Main">
          {[...NAV, ...(live.systemController ? ([['/subclouds', 'Subclouds']] as [string, string][]) : [])].map(([href, label]) => (
            <a key={href} href={`#${href}`} aria-current={section === href ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={`stream ${stream}`} role="status" title="Alarm stream" data-testid="stream-state">
          {stream === 'live' ? '● live' : stream === 'connecting' ? '○ connecting' : '○ reconnecting'}
        </span>
        <span class="who" data-testid="who">
          {session.user}@{session.project} ({canChange(session) ? 'admin' : session.roles.join(', ') || 'no role'})
        </span>
        <button type="button" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {page}
      </main>
    </LiveContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
