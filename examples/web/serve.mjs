// Serves the built demo on localhost with the headers that make the page cross-origin isolated
// (COOP same-origin + COEP require-corp), so it may share memory with its sampler workers.
// `node examples/web/serve.mjs [--port 8123]` builds the page, then serves it until stopped.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildDemo } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css',
  '.png': 'image/png',
  '.json': 'application/json',
};

/** Headers of every response; `isolated: false` leaves out COOP/COEP (a page without SharedArrayBuffer). */
function headers(type, isolated) {
  const h = { 'Content-Type': type, 'Cache-Control': 'no-store', 'Cross-Origin-Resource-Policy': 'same-origin' };
  return isolated
    ? { ...h, 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
    : h;
}

/**
 * Serves the files of `root` on `host:port` (port 0: an ephemeral one). Resolves with the page's URL
 * and a `close()`.
 */
export function serveDemo({ root, port = 0, host = '127.0.0.1', isolated = true }) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if (!file.startsWith(normalize(root + sep))) {
      response.writeHead(403, headers('text/plain', isolated)).end('forbidden');
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, headers(TYPES[extname(file)] ?? 'application/octet-stream', isolated)).end(body);
    } catch {
      response.writeHead(404, headers('text/plain', isolated)).end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({
        url: `http://${host}:${address.port}/`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--port');
  const port = at > 0 ? Number(process.argv[at + 1]) : 8123;
  const root = await buildDemo();
  const { url } = await serveDemo({ root, port, host: 'localhost' });
  console.log(`sgmkit demo: open ${url} (Ctrl-C stops)`);
}
