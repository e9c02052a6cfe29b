// Keystone password login: the same users, passwords and roles as the API and the CLI.

import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { login, type Session } from '../api.ts';

export function Login({ onLogin, notice }: { onLogin: (s: Session) => void; notice: string | undefined }): JSX.Element {
  const [user, setUser] = useState('admin');
  const [password, setPassword] = useState('');
  const [project, setProject] = useState('admin');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onLogin(await login(user.trim(), password, project.trim()));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Starling</h1>
        <p class="muted">Log in with your platform account.</p>
        {notice !== undefined && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <label>
          User name
          <input name="username" autoComplete="username" value={user} onInput={(e) => setUser(e.currentTarget.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
            autoFocus
          />
        </label>
        <label>
          Project
          <input name="project" value={project} onInput={(e) => setProject(e.currentTarget.value)} required />
        </label>
        {error !== undefined && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
