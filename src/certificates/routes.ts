// sysinv's certificate API: GET /v1/certificate, GET/DELETE /v1/certificate/{uuid} and
// POST /v1/certificate/certificate_install (a form with the PEM `file`, `mode`, `passphrase`, as
// cgtsclient uploads it; or the same fields as JSON).

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { App } from '../api/server.ts';
import { parseForm } from '../api/multipart.ts';
import { StarlingError } from '../common/errors.ts';
import { CERT_MODES, type CertMode } from './pem.ts';
import type { CertificateService } from './service.ts';

/** A PEM bundle with a chain is a few kB; 1 MiB leaves room for long chains. */
const MAX_FILE_BYTES = 1024 * 1024;

const Params = Type.Object({ uuid: Type.String({ maxLength: 64 }) });

function installFields(body: unknown): { mode: CertMode; text: string; passphrase: string | undefined } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b !== 'object' || Array.isArray(b)) throw new StarlingError('VALIDATION_FAILED', 'send a form (or JSON) with mode and file', { field: 'file' });
  const mode = b.mode;
  if (typeof mode !== 'string' || !(CERT_MODES as readonly string[]).includes(mode)) {
    throw new StarlingError('VALIDATION_FAILED', `mode must be one of ${CERT_MODES.join(', ')}${typeof mode === 'string' ? `, got '${mode}'` : ''}`, { field: 'mode' });
  }
  const text = b.file;
  if (typeof text !== 'string' || text.trim() === '') throw new StarlingError('VALIDATION_FAILED', 'the certificate file is missing or empty', { field: 'file' });
  const passphrase = b.passphrase;
  if (passphrase !== undefined && passphrase !== null && typeof passphrase !== 'string') throw new StarlingError('VALIDATION_FAILED', 'passphrase must be a string', { field: 'passphrase' });
  return { mode: mode as CertMode, text, passphrase: typeof passphrase === 'string' && passphrase !== '' ? passphrase : undefined };
}

export function certificateRoutes(app: App, certificates: CertificateService): void {
  app.get('/v1/certificate', async () => ({ certificates: await certificates.list() }));

  app.get('/v1/certificate/:uuid', { schema: { params: Params } }, async (req) => certificates.get(req.params.uuid));

  app.delete('/v1/certificate/:uuid', { schema: { params: Params } }, async (req) => certificates.uninstall(req.params.uuid));

  // The form's own parser, in a context of its own: the bulk host upload's form parser (which
  // answers the file alone) stays as it is for its route.
  void app.register(async (child: FastifyInstance) => {
    if (child.hasContentTypeParser('multipart/form-data')) child.removeContentTypeParser('multipart/form-data');
    child.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: MAX_FILE_BYTES }, (req, body, done) => {
      try {
        done(null, parseForm(req.headers['content-type'], body as string));
      } catch (e) {
        done(e as Error, undefined);
      }
    });
    child.post('/v1/certificate/certificate_install', async (req) => {
      const { mode, text, passphrase } = installFields(req.body);
      const installed = await certificates.install(mode, text, passphrase);
      return { certificates: installed, error: '' };
    });
  });
}
