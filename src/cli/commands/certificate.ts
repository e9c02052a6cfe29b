// `starling system certificate-install|certificate-list|certificate-show|certificate-uninstall`:
// sysinv's platform certificates (/v1/certificate), uploaded as cgtsclient uploads them.

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formBody } from '../../api/multipart.ts';
import { StarlingError } from '../../common/errors.ts';
import type { Certificate } from '../../certificates/index.ts';
import type { CliContext } from '../context.ts';

const SHOW_FIELDS = ['uuid', 'certtype', 'signature', 'start_date', 'expiry_date', 'subject', 'issuer'];

export function registerCertificates(system: Command, ctx: CliContext): void {
  system
    .command('certificate-install <file>')
    .description('install a certificate (PEM): -m ssl = the API server certificate with its private key (replaces the one served, no restart); -m ssl_ca = trusted CA certificate(s)')
    .requiredOption('-m, --mode <mode>', 'ssl or ssl_ca')
    .option('-p, --passphrase <passphrase>', 'the passphrase of an encrypted private key')
    .action(async (file: string, o: { mode: string; passphrase?: string }) => {
      let content: string;
      try {
        content = readFileSync(file, 'utf8');
      } catch (e) {
        throw new StarlingError('USAGE', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { field: 'file' });
      }
      const form = formBody({ mode: o.mode, passphrase: o.passphrase }, { name: 'file', content });
      const { body } = await (await ctx.client()).request<{ certificates: Certificate[] }>('POST', 'platform', '/certificate/certificate_install', { raw: form });
      ctx.target = body.certificates.map((c) => c.uuid).join(',');
      ctx.list(body.certificates as unknown as Record<string, unknown>[], [
        ['uuid', 'uuid'],
        ['certtype', 'certtype'],
        ['expiry_date', 'expiry_date'],
        ['subject', 'subject'],
      ]);
    });

  system
    .command('certificate-list')
    .description('list the installed certificates: the server certificate (ssl) and trusted CAs (ssl_ca)')
    .action(async () => {
      const { certificates } = await (await ctx.client()).get<{ certificates: Certificate[] }>('platform', '/certificate');
      ctx.list(certificates as unknown as Record<string, unknown>[], [
        ['uuid', 'uuid'],
        ['certtype', 'certtype'],
        ['expiry_date', 'expiry_date'],
        ['subject', 'subject'],
      ]);
    });

  system
    .command('certificate-show <uuid>')
    .description('show an installed certificate')
    .action(async (uuid: string) => {
      const c = await (await ctx.client()).get<Certificate>('platform', `/certificate/${encodeURIComponent(uuid)}`);
      ctx.target = c.uuid;
      ctx.show(c as unknown as Record<string, unknown>, SHOW_FIELDS);
    });

  system
    .command('certificate-uninstall <uuid>')
    .description('remove a trusted CA certificate (ssl_ca)')
    .action(async (uuid: string) => {
      ctx.target = uuid;
      await (await ctx.client()).request('DELETE', 'platform', `/certificate/${encodeURIComponent(uuid)}`);
      ctx.io.out(`Uninstalled certificate: ${uuid}`);
    });
}
