// The bulk-add XML parser's thread: parses and checks one hosts file off the API's event loop
// (a 5,000-host file takes ~0.5 s of CPU; on the main thread, every request would wait for it).
// The build bundles this file as dist/bulk-xml-worker.mjs.

import { parentPort } from 'node:worker_threads';
import { StarlingError } from '../../common/errors.ts';
import { parseBulkXml } from './domain/bulk-xml.ts';

parentPort?.once('message', (xml: string) => {
  try {
    parentPort!.postMessage({ ok: true, hosts: parseBulkXml(xml) });
  } catch (e) {
    const err =
      e instanceof StarlingError
        ? { code: e.code, message: e.message, field: e.field, details: e.details }
        : { code: 'VALIDATION_FAILED', message: `the file cannot be parsed: ${e instanceof Error ? e.message : String(e)}`, field: 'file' };
    parentPort!.postMessage({ ok: false, error: err });
  }
});
