/**
 * @module The web dashboard's static files (src/api/dashboard/), read once when the node starts and
 * served from memory under /dashboard/. A request names a file by its exact name in that folder or
 * gets a 404: nothing is ever resolved against the file system at request time, so `..` and its
 * encodings cannot reach outside it. The Content-Security-Policy allows this origin only: the page
 * shows operator input (router names, rules, errors), and nothing it shows may load or run anything.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SwitchyardError } from '../errors.ts';

export const DASHBOARD_PREFIX = '/dashboard/';
const DEFAULT_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

export class DashboardAssets {
  readonly #assets: ReadonlyMap<string, Asset>;

  private constructor(assets: ReadonlyMap<string, Asset>) {
    this.#assets = assets;
  }

  /** Reads every file of `dir` (not its subfolders); a file of unknown type is a packaging mistake. */
  static load(dir: string = DEFAULT_DIR): DashboardAssets {
    const assets = new Map<string, Asset>();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const contentType = CONTENT_TYPES[extname(entry.name)];
      if (contentType === undefined) throw new SwitchyardError('SY_DASHBOARD_ASSET', `the dashboard has a file of unknown type: ${entry.name}`, join(dir, entry.name));
      const body = readFileSync(join(dir, entry.name));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      assets.set(entry.name, { body, contentType, etag });
    }
    if (!assets.has('index.html')) throw new SwitchyardError('SY_DASHBOARD_ASSET', 'the dashboard has no index.html', dir);
    return new DashboardAssets(assets);
  }

  /** Answers `pathname` (undecoded, as the URL parser left it); false when it is not the dashboard's. */
  serve(pathname: string, req: IncomingMessage, res: ServerResponse): boolean {
    if (pathname === '/') return redirect(res, DASHBOARD_PREFIX);
    if (pathname === '/dashboard') return redirect(res, DASHBOARD_PREFIX);
    if (!pathname.startsWith(DASHBOARD_PREFIX)) return false;
    const name = pathname.slice(DASHBOARD_PREFIX.length) || 'index.html';
    const asset = this.#assets.get(name);
    if (asset === undefined) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end('404 page not found');
      return true;
    }
    // The page itself is never cached, so a node upgrade is seen on the next load; the files it
    // loads are revalidated by ETag, which costs a 304 and no body.
    const caching = name === 'index.html' ? { 'cache-control': 'no-store' } : { 'cache-control': 'no-cache', etag: asset.etag };
    if (name !== 'index.html' && req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, ...caching });
      res.end();
      return true;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, ...caching, 'content-type': asset.contentType, 'content-length': asset.body.length });
    res.end(asset.body);
    return true;
  }
}

function redirect(res: ServerResponse, location: string): true {
  res.writeHead(302, { location, 'content-length': 0 });
  res.end();
  return true;
}
