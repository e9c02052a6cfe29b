// The HTTP server every service shares: one port, request ids, token authentication and role
// checks, the audit hook, schema validation and the one error shape. Services add their routes.

import { AjvCompiler } from '@fastify/ajv-compiler';
import Fastify, {
  LogController,
  type FastifySchemaCompiler,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ERRORS, StarlingError, errorBody, type ErrorBody } from '../common/errors.ts';
import { checkInput, locateValue, quotedValue } from './input.ts';
import { newUuid } from '../common/ids.ts';
import type { RequestListener } from 'node:http';
import { createHttpsServer, type ServerCertificate } from './tls.ts';
import type { Logger } from '../common/log.ts';
import { allows, defaultAccess, type Access, type AuthContext } from '../identity/index.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route; unset = read for GET, admin otherwise. */
    access?: Access;
    /** false = the route records its own audit entry (or none). */
    audit?: boolean;
  }
  interface FastifyRequest {
    auth?: AuthContext;
  }
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  Logger,
  TypeBoxTypeProvider
>;

/** Resolves a token to its caller; undefined = unknown, expired or revoked. */
export type TokenValidator = (token: string) => Promise<AuthContext | undefined>;

/** Records one mutating call after it has been answered. */
export type AuditSink = (entry: ApiAuditEntry) => Promise<void>;

export interface ApiAuditEntry {
  auth: AuthContext | undefined;
  /** For calls without a token (a failed login): the name the caller gave, as sent (any JSON). */
  claimedUser: unknown;
  method: string;
  path: string;
  target: string | undefined;
  status: number;
  source: string;
  requestId: string;
  durationMs: number;
}

export interface ServerOptions {
  log: Logger;
  validateToken: TokenValidator;
  audit: AuditSink;
  /** Largest JSON body accepted (bulk XML files go through their own limits). */
  bodyLimit?: number;
  /** The leases this process holds (the work it does for all the controllers), for /health. */
  leases?: () => string[];
  /** Does the database answer now? For /health and /health/ready (unset: assumed yes). */
  databaseReachable?: () => Promise<boolean>;
  /** More facts for /health (the embedded server's state, the data folder's usage…). */
  healthDetails?: () => Record<string, unknown>;
  /** Serve HTTPS with this certificate (set or swapped later with swapServerCertificate, before
   *  listening when none is given here); unset = plain HTTP. */
  tls?: { certificate?: ServerCertificate };
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Reject unknown fields rather than dropping them silently; coerce query strings and path
 *  parameters (text by nature) only: a JSON body's types are the client's (0 is no hostname). */
const AJV_OPTIONS = {
  removeAdditional: false,
  coerceTypes: 'array',
  allErrors: false,
  useDefaults: true,
} as const;
const AJV_BODY_OPTIONS = { ...AJV_OPTIONS, coerceTypes: false } as const;

type Validate = ((data: unknown) => unknown) & { errors?: unknown };

/**
 * Fastify's own ajv compiler, but each route's validator is compiled on the route's first
 * request instead of at start: ~70 routes cost ~250 ms of start-up otherwise (measured here).
 */
function lazyValidatorCompiler(): FastifySchemaCompiler<unknown> {
  type Compile = (route: Parameters<FastifySchemaCompiler<unknown>>[0]) => Validate;
  const compile = AjvCompiler()({}, { customOptions: AJV_OPTIONS, plugins: [] }) as Compile;
  const compileBody = AjvCompiler()({}, { customOptions: AJV_BODY_OPTIONS, plugins: [] }) as Compile;
  return (route) => {
    let fn: Validate | undefined;
    const lazy: Validate = (data) => {
      fn ??= route.httpPart === 'body' ? compileBody(route) : compile(route);
      const result = fn(data);
      lazy.errors = fn.errors;
      return result;
    };
    return lazy as ReturnType<FastifySchemaCompiler<unknown>>;
  };
}
export const REQUEST_ID_HEADER = 'x-openstack-request-id';

/** One route as registered: for tests that must reach every route (the fuzz tier). */
export interface RegisteredRoute {
  method: string;
  url: string;
  /** The route's request schemas (TypeBox/JSON Schema), when it has them. */
  schema: { body?: unknown; querystring?: unknown; params?: unknown };
}

const ROUTES = new WeakMap<object, RegisteredRoute[]>();

/** Every route of a server built by buildServer, in registration order. */
export function registeredRoutes(app: App): RegisteredRoute[] {
  return [...(ROUTES.get(app) ?? [])];
}

export function buildServer(opts: ServerOptions): App {
  const tls = opts.tls;
  const app = Fastify({
    loggerInstance: opts.log,
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    genReqId: () => `req-${newUuid()}`,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    ajv: { customOptions: AJV_OPTIONS },
    return503OnClosing: true,
    forceCloseConnections: true,
    // A path the router cannot decode (`/v1/ihosts/%zz`) or with an over-long parameter: the one
    // error shape and an audit entry, like any other refused call.
    frameworkErrors: (err, req, rep) => {
      const reply = rep as unknown as FastifyReply;
      const e = new StarlingError(
        'BAD_REQUEST',
        err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid: it has a malformed %-escape' : 'a path segment is too long',
        { field: 'path', cause: err },
      );
      void reply.status(e.status).header(REQUEST_ID_HEADER, req.id).header('content-type', 'application/json; charset=utf-8');
      void auditThenSend(req, reply, JSON.stringify(errorBody(e, req.id))).then((payload) => reply.send(payload));
    },
    // StarlingX's clients add a slash to some paths (`/v3/`, `/v1/ihosts/`): the same resource.
    routerOptions: { ignoreTrailingSlash: true },
    // HTTPS through our own factory: the App type stays one type for both transports (fastify's
    // types would make an HTTPS instance another type), and the certificate can be swapped.
    ...(tls === undefined
      ? {}
      : { serverFactory: (handler: RequestListener) => createHttpsServer(tls.certificate, handler) as unknown as import('node:http').Server }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(lazyValidatorCompiler());

  const routes: RegisteredRoute[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (r) => {
    const schema = (r.schema ?? {}) as RegisteredRoute['schema'];
    for (const method of [r.method].flat()) {
      routes.push({ method, url: r.url, schema: { body: schema.body, querystring: schema.querystring, params: schema.params } });
    }
  });

  // JSON only, like StarlingX's APIs: any other body type is 415 (routes with files add theirs).
  app.removeContentTypeParser('text/plain');
  // An empty JSON body (Keystone clients send one on PUT role grants) is no body, not an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text as string));
    } catch (e) {
      done(
        new StarlingError('BAD_REQUEST', `the body is not valid JSON: ${(e as Error).message}`, {
          field: '/',
        }),
        undefined,
      );
    }
  });

  // A request with no body is never refused for its content type (cgtsclient sends DELETE with
  // `Content-Type: application/octet-stream` and nothing); any other body type is 415.
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, text, done) => {
    if (text === '') return done(null, undefined);
    done(
      new StarlingError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content type ${req.headers['content-type'] ?? '(none)'} is not accepted: send application/json`,
      ),
      undefined,
    );
  });

  // Query booleans as StarlingX's framework reads them: True/true/1 and False/false/0.
  app.addHook('preValidation', async (req) => {
    const schema = req.routeOptions.schema?.querystring as
      | { properties?: Record<string, { type?: unknown }> }
      | undefined;
    const props = schema?.properties;
    if (props === undefined || req.query === null || typeof req.query !== 'object') return;
    const query = req.query as Record<string, unknown>;
    for (const [k, v] of Object.entries(query)) {
      if (props[k]?.type !== 'boolean' || typeof v !== 'string') continue;
      const b = queryBoolean(v);
      if (b !== undefined) query[k] = b;
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    void reply.header(REQUEST_ID_HEADER, req.id);
    const access = req.routeOptions.config.access ?? defaultAccess(req.method);
    if (access === 'public' || req.routeOptions.url === undefined) return;
    const token = req.headers['x-auth-token'];
    if (typeof token !== 'string' || token === '') {
      throw new StarlingError('AUTH_REQUIRED');
    }
    const ctx = await opts.validateToken(token);
    if (!ctx) throw new StarlingError('TOKEN_INVALID');
    req.auth = ctx;
    if (
      !allows(
        access,
        ctx.roles.map((r) => r.name),
      )
    ) {
      throw new StarlingError(
        'FORBIDDEN',
        `${req.method} ${req.routeOptions.url} needs the ${access} role; you have ${ctx.roles.map((r) => r.name).join(', ') || 'none'}`,
      );
    }
  });

  // NUL bytes, lone surrogates, over-deep JSON and non-finite numbers: refused for every route
  // before its schema runs, and again after query coercion (`limit=1e999` becomes Infinity).
  app.addHook('preValidation', async (req) => {
    checkInput('params', req.params);
    checkInput('querystring', req.query);
    checkInput('body', req.body);
  });
  app.addHook('preHandler', async (req) => {
    checkInput('querystring', req.query);
  });

  // The audit entry is written before the answer leaves: when a client sees the response, the
  // audit log already holds the call (failed calls and calls refused before routing included).
  // A call whose entry cannot be written does not answer its result: it answers 503
  // AUDIT_UNAVAILABLE, without the headers the route set (a login's token must not leave).
  const auditThenSend = async <P>(req: FastifyRequest, reply: FastifyReply, payload: P): Promise<P | string> => {
    if (!MUTATING.has(req.method) || req.routeOptions?.config?.audit === false) return payload;
    const body = req.body as
      { auth?: { identity?: { password?: { user?: { name?: unknown } } } } } | undefined;
    try {
      await opts.audit({
        auth: req.auth,
        claimedUser: body?.auth?.identity?.password?.user?.name,
        method: req.method,
        path: req.url.split('?')[0] ?? req.url,
        target: auditTarget(req),
        status: reply.statusCode,
        source: req.ip,
        requestId: req.id,
        durationMs: round(reply.elapsedTime),
      });
    } catch (e) {
      req.log.error({ err: e }, 'could not write the audit log entry');
      // A call already refused as unavailable (nothing was changed) whose entry could not be
      // written because the data folder is full says so: the client's remedy is the same.
      const err =
        e instanceof StarlingError && e.code === 'STORAGE_FULL' && reply.statusCode === 503
          ? e
          : new StarlingError('AUDIT_UNAVAILABLE', undefined, { cause: e });
      for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
      void reply.status(err.status).header(REQUEST_ID_HEADER, req.id).header('content-type', 'application/json; charset=utf-8');
      return JSON.stringify(errorBody(err, req.id));
    }
    return payload;
  };
  app.addHook('onSend', auditThenSend);

  app.addHook('onResponse', async (req, reply) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    req.log[level](
      { method: req.method, url: req.url, status: reply.statusCode, ms: round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler((err: FastifyError | StarlingError, req, reply) =>
    sendError(toStarlingError(err, req), req, reply),
  );
  app.setNotFoundHandler((req, reply) =>
    sendError(
      new StarlingError('NOT_FOUND', `no resource at ${req.method} ${req.url.split('?')[0]}`),
      req,
      reply,
    ),
  );

  // Health: `live` = the process answers (restart it if not); `ready` = it can serve requests
  // (its database answers: take it out of a load balancer if not); `/health` tells both and why.
  const reachable = async (): Promise<boolean> => (opts.databaseReachable ? await opts.databaseReachable() : true);
  app.get('/health/live', { config: { access: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config: { access: 'public' } }, async (_req, reply) => {
    const ready = await reachable();
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ok' : 'unavailable', ready, database: ready ? 'reachable' : 'unreachable' });
  });
  app.get('/health', { config: { access: 'public' } }, async () => {
    const ready = await reachable();
    return {
      status: ready ? 'ok' : 'degraded',
      ready,
      database: ready ? 'reachable' : 'unreachable',
      ...opts.healthDetails?.(),
      leases: opts.leases?.() ?? [],
    };
  });
  return app;
}

/** StarlingX's spelling of a query boolean; undefined = not one (the schema then refuses it). */
export function queryBoolean(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** The resource a call acted on: the route's id parameter when it has one. */
function auditTarget(req: FastifyRequest): string | undefined {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const ids = Object.entries(params)
    .filter(([, v]) => typeof v === 'string' && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`);
  return ids.length > 0 ? ids.join(',') : undefined;
}

function sendError(e: StarlingError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (e.code === 'INTERNAL') req.log.error({ err: e.cause ?? e }, 'unhandled error');
  const body: ErrorBody & { error_message?: string } = errorBody(e, req.id);
  // sysinv's and FM's paths also carry their framework's error shape, which cgtsclient and
  // fmclient print: a JSON string with the message as faultstring (ours stays first: fmclient
  // reads the body's first member).
  if (req.url.startsWith('/v1/') || req.url === '/v1') {
    body.error_message = JSON.stringify({ faultstring: e.message, debuginfo: null });
  }
  const retryAfter = e.details?.retry_after_seconds;
  if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
  return reply.status(e.status).header(REQUEST_ID_HEADER, req.id).send(body);
}

/** Maps Fastify's and ajv's errors onto the catalog, naming the field that failed. */
export function toStarlingError(
  err: FastifyError | StarlingError | Error,
  req: FastifyRequest,
): StarlingError {
  if (err instanceof StarlingError) {
    if (err.code !== 'VALIDATION_FAILED' || err.field !== undefined) return err;
    // A value the database refused: name the field that held it.
    const value = quotedValue((err.cause as { message?: string } | undefined)?.message ?? '');
    const field = (value === undefined ? undefined : locateValue(value, req)) ?? firstParam(req) ?? '/';
    return new StarlingError('VALIDATION_FAILED', `${field} is invalid: ${err.message.replace(/^a value is invalid: /, '')}`, {
      field,
      cause: err.cause,
    });
  }
  const fe = err as FastifyError;
  if (fe.validation !== undefined && fe.validation.length > 0) {
    const v = fe.validation[0]!;
    const part = fe.validationContext ?? 'body';
    const params = v.params;
    let pointer = v.instancePath;
    let problem = v.message ?? 'is invalid';
    if (v.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer = `${pointer}/${params.missingProperty}`;
      problem = 'is required';
    } else if (v.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      pointer = `${pointer}/${params.additionalProperty}`;
      problem = 'is not allowed here';
    } else if (v.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      problem = `must be one of ${params.allowedValues.join(', ')}`;
    }
    const field = part === 'querystring' ? pointer.replace(/^\//, '') || 'query' : pointer || '/';
    const where =
      part === 'querystring'
        ? `query parameter ${field}`
        : part === 'params'
          ? `path parameter ${field}`
          : `field ${field}`;
    return new StarlingError('VALIDATION_FAILED', `${where} ${problem}`, { field, cause: err });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new StarlingError(
        'UNSUPPORTED_MEDIA_TYPE',
        `content type ${req.headers['content-type'] ?? '(none)'} is not accepted: send application/json`,
      );
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new StarlingError('PAYLOAD_TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new StarlingError('BAD_REQUEST', 'the JSON body is empty', { field: '/' });
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new StarlingError('BAD_REQUEST', `the body is not valid JSON: ${fe.message}`, { field: '/' });
  }
  if (fe.statusCode === 400 && err instanceof SyntaxError) {
    return new StarlingError('BAD_REQUEST', `the body is not valid JSON: ${err.message}`, { field: '/' });
  }
  if (fe.statusCode === 405) return new StarlingError('METHOD_NOT_ALLOWED');
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      (Object.keys(ERRORS) as (keyof typeof ERRORS)[]).find((c) => ERRORS[c].status === fe.statusCode) ??
      'BAD_REQUEST';
    return new StarlingError(code, fe.message, { cause: err });
  }
  return new StarlingError('INTERNAL', undefined, { cause: err });
}

const firstParam = (req: FastifyRequest): string | undefined =>
  Object.keys((req.params ?? {}))[0] ?? Object.keys((req.query ?? {}))[0];
