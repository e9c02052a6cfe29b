// The Keystone service catalog: each Starling service under StarlingX's service type, all on the
// one listening port. Capabilities contribute their entry; URLs are built from the caller's view
// of the server (its Host header), so a catalog fetched through any address works from there.

export interface ServiceEntry {
  /** StarlingX's service type: identity, platform, faultmanagement, nfv, usm, dcmanager. */
  type: string;
  /** StarlingX's service name: keystone, sysinv, fm, vim, usm, dcmanager. */
  name: string;
  /** Path appended to the base URL (sysinv's endpoint ends in /v1, dcmanager's in /v1.0). */
  path: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name: string;
  endpoints: { id: string; interface: 'public' | 'internal' | 'admin'; region: string; region_id: string; url: string }[];
}

export function renderCatalog(entries: readonly ServiceEntry[], baseUrl: string, region: string): CatalogService[] {
  const base = baseUrl.replace(/\/+$/, '');
  return entries.map((e) => ({
    id: e.name,
    type: e.type,
    name: e.name,
    endpoints: (['public', 'internal', 'admin'] as const).map((i) => ({
      id: `${e.name}-${i}`,
      interface: i,
      region,
      region_id: region,
      url: `${base}${e.path}`,
    })),
  }));
}
