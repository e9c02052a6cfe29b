// multipart/form-data as python-requests sends a form with a file (cgtsclient's uploads): each
// part's name and text. Bodies are small (a certificate, a hosts file), read whole as text.

import { StarlingError } from '../common/errors.ts';

/** The form's fields by name (a file field's content as text). */
export function parseForm(contentType: string | undefined, body: string): Record<string, string> {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) throw new StarlingError('BAD_REQUEST', 'multipart body without a boundary', { field: 'file' });
  const fields: Record<string, string> = {};
  for (const part of body.split(`--${boundary}`)) {
    const headEnd = part.indexOf('\r\n\r\n');
    if (headEnd < 0) continue;
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(part.slice(0, headEnd))?.[1];
    if (name === undefined) continue;
    fields[name] = part.slice(headEnd + 4).replace(/\r\n$/, '');
  }
  return fields;
}

/** A form body for a request: the fields, then the file (as cgtsclient sends them). */
export function formBody(fields: Record<string, string | undefined>, file: { name: string; content: string }): { body: string; contentType: string } {
  const boundary = `----starling${Math.random().toString(16).slice(2)}`;
  const parts = Object.entries(fields)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([k, v]) => `--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\ncontent-disposition: form-data; name="${file.name}"; filename="${file.name}"\r\ncontent-type: application/octet-stream\r\n\r\n${file.content}\r\n`);
  return { body: `${parts.join('')}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}
