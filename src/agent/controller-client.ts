// The agent's calls to its controller, as the service user (starling-agent, project services): one
// typed method per message the protocol defines (src/agentlink/protocol.ts), over one session
// that is renewed a minute before its token expires (or at once after a 401).

import { endpointFor, errorFromResponse, login, type Session } from '../api/client.ts';
import { httpRequest, type HttpResponse } from '../api/http.ts';
import { StarlingError } from '../common/errors.ts';
import {
  RegisterAnswer,
  check,
  type AgentEventBody,
  type AliveBody,
  type ChannelQuery,
  type CommandAnswer,
  type RegisterBody,
} from '../agentlink/protocol.ts';

export interface ControllerClient {
  /** POST /v1/agents/register: the host's registration and inventory; the host as the inventory knows it. */
  register(body: RegisterBody): Promise<RegisterAnswer>;
  /** GET /v1/agents/channel: the open channel's response (server-sent events), or the controller's refusal thrown. */
  openChannel(query: ChannelQuery, signal: AbortSignal): Promise<HttpResponse>;
  /** POST /v1/agents/channel/alive: this agent's channel answers its probe. */
  alive(body: AliveBody): Promise<void>;
  /** POST /v1/agents/commands/:id: a command's answer. */
  answer(id: string, body: CommandAnswer): Promise<void>;
  /** POST /v1/agents/events: something maintenance acts on. */
  event(body: AgentEventBody): Promise<void>;
  /** fm's endpoint and a current token (the alarm sink posts there). */
  fm(): Promise<{ url: string; token: string; ca?: string }>;
}

/** Renew a token this long before it expires. */
const RENEW_BEFORE_MS = 60_000;

/** `ca`: the site CA given at enrolment (PEM); the controller's certificate must chain to it and
 *  to nothing else (it replaces the system's CAs: pinned). */
export function controllerClient(opts: { controllerUrl: string; username: string; password: string; ca?: string }): ControllerClient {
  const pinned = opts.ca === undefined ? {} : { ca: opts.ca };
  let session: Session | undefined;
  const ensureSession = async (): Promise<Session> => {
    if (!session || session.expiresAt.getTime() - Date.now() < RENEW_BEFORE_MS) {
      session = await login({
        authUrl: `${opts.controllerUrl.replace(/\/+$/, '')}/v3`,
        username: opts.username,
        password: opts.password,
        projectName: 'services',
        ...pinned,
      });
    }
    return session;
  };
  const request = async (method: string, pathName: string, body?: unknown, signal?: AbortSignal): Promise<HttpResponse> => {
    const s = await ensureSession();
    const res = await httpRequest(`${endpointFor(s, 'platform')}${pathName}`, {
      method,
      ...pinned,
      headers: {
        'x-auth-token': s.token,
        ...(body === undefined ? { accept: 'text/event-stream' } : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
    if (res.status === 401) session = undefined;
    if (res.status >= 300) throw await errorFromResponse(res);
    return res;
  };
  const post = async (pathName: string, body: unknown): Promise<void> => {
    await (await request('POST', pathName, body)).text();
  };

  return {
    register: async (body) => {
      const res = await request('POST', '/agents/register', body);
      let answer: unknown;
      try {
        answer = JSON.parse(await res.text());
      } catch (e) {
        throw new StarlingError('INTERNAL', 'the registration answer is not JSON', { cause: e });
      }
      const r = check(RegisterAnswer, answer);
      if (!r.ok) throw new StarlingError('INTERNAL', `the registration answer is not a host: ${r.error}`, { field: r.field });
      return r.value;
    },
    openChannel: (query, signal) => request('GET', `/agents/channel?${new URLSearchParams(query).toString()}`, undefined, signal),
    alive: (body) => post('/agents/channel/alive', body),
    answer: (id, body) => post(`/agents/commands/${encodeURIComponent(id)}`, body),
    event: (body) => post('/agents/events', body),
    fm: async () => {
      const s = await ensureSession();
      return { url: endpointFor(s, 'faultmanagement'), token: s.token, ...pinned };
    },
  };
}
