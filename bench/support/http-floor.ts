// A child process for the fault benchmark: the cheapest HTTP server Node.js can be for the ingest
// workload, to show what Node.js's own HTTP stack costs on this machine. node:http, no framework,
// no authentication, no validation, no database: POST parses the JSON body and answers it back
// (201); DELETE answers the query's alarm as cleared (200, `"cleared":1`). Nothing is kept.
// Prints its port as one JSON line.

import http from 'node:http';

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let out: string;
    if (req.method === 'POST') {
      status = 201;
      out = JSON.stringify({
        uuid: '00000000-0000-4000-8000-000000000000',
        ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as object),
      });
    } else {
      const q = new URL(req.url ?? '/', 'http://x').searchParams;
      out = JSON.stringify({
        cleared: 1,
        alarms: [{ alarm_id: q.get('alarm_id'), entity_instance_id: q.get('entity_instance_id') }],
      });
    }
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as { port: number }).port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
