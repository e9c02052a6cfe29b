// Keystone's discovery resources: the versions document at `/` (keystoneauth reads it when
// OS_AUTH_URL has no /v3), and the catalog as resources: /v3/services, /v3/endpoints,
// /v3/regions, /v3/domains (`openstack service list | endpoint list | region list | domain list`).

import type { App } from '../api/server.ts';
import { wantsPage, type PageHandler } from '../api/dashboard.ts';
import { renderCatalog, type ServiceEntry } from '../api/catalog.ts';
import { baseUrl } from './routes.ts';
import type { IdentityService } from './service.ts';

export function discoveryRoutes(
  app: App,
  identity: IdentityService,
  opts: { catalog: () => readonly ServiceEntry[]; region: string; page?: PageHandler },
): void {
  const self = (href: string) => ({ self: href });

  // A browser asking for `/` gets the dashboard; API clients (JSON) get the versions document.
  app.get('/', { config: { access: 'public' } }, async (req, reply) =>
    opts.page !== undefined && wantsPage(req) ? opts.page(req, reply) : reply.status(300).send({
      versions: {
        values: [
          {
            id: 'v3.14',
            status: 'stable',
            updated: '2020-04-07T00:00:00Z',
            links: [{ rel: 'self', href: `${baseUrl(req)}/v3/` }],
            media_types: [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
          },
        ],
      },
    }),
  );

  app.get('/v3/services', { config: { access: 'authenticated' } }, async (req) => ({
    services: renderCatalog(opts.catalog(), baseUrl(req), opts.region).map((s) => ({
      id: s.id,
      type: s.type,
      name: s.name,
      enabled: true,
      description: '',
      links: self(`${baseUrl(req)}/v3/services/${s.id}`),
    })),
    links: { self: `${baseUrl(req)}/v3/services`, next: null, previous: null },
  }));

  app.get('/v3/endpoints', { config: { access: 'authenticated' } }, async (req) => ({
    endpoints: renderCatalog(opts.catalog(), baseUrl(req), opts.region).flatMap((s) =>
      s.endpoints.map((e) => ({
        id: e.id,
        interface: e.interface,
        region: e.region,
        region_id: e.region_id,
        service_id: s.id,
        url: e.url,
        enabled: true,
        links: self(`${baseUrl(req)}/v3/endpoints/${e.id}`),
      })),
    ),
    links: { self: `${baseUrl(req)}/v3/endpoints`, next: null, previous: null },
  }));

  app.get('/v3/regions', { config: { access: 'authenticated' } }, async (req) => ({
    regions: [
      {
        id: opts.region,
        description: '',
        parent_region_id: null,
        links: self(`${baseUrl(req)}/v3/regions/${opts.region}`),
      },
    ],
    links: { self: `${baseUrl(req)}/v3/regions`, next: null, previous: null },
  }));

  app.get('/v3/domains', { config: { access: 'read' } }, async (req) => ({
    domains: (await identity.listDomains()).map((d) => ({
      id: d.id,
      name: d.name,
      enabled: d.enabled,
      description: '',
      tags: [],
      options: {},
      links: self(`${baseUrl(req)}/v3/domains/${d.id}`),
    })),
    links: { self: `${baseUrl(req)}/v3/domains`, next: null, previous: null },
  }));
}
