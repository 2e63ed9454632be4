// Serves a web app folder (the softphone) and the real SDK's browser build from node_modules, so pages load the unmodified SDK.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';

const require = createRequire(import.meta.url);

/** Files pages load from `/vendor/`: the SDK's UMD build (global `ConnectyCube`) and webrtc-adapter, which its conference module needs. */
const vendorFiles: Readonly<Record<string, string>> = {
  'connectycube.min.js': join(
    dirname(require.resolve('connectycube/package.json')),
    'dist',
    'connectycube.min.js',
  ),
  'adapter.js': require.resolve('webrtc-adapter/out/adapter.js'),
};

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.wav': 'audio/wav',
  '.ico': 'image/x-icon',
};

export class StaticFiles {
  readonly #appDir: string | undefined;
  readonly #appPrefix: string;

  /** `appDir` is served under `appPrefix` (e.g. `/softphone/`); the vendor files are always served under `/vendor/`. */
  constructor(appDir: string | undefined, appPrefix: string) {
    this.#appDir = appDir === undefined ? undefined : resolve(appDir);
    this.#appPrefix = appPrefix;
  }

  get appPrefix(): string | undefined {
    return this.#appDir === undefined ? undefined : this.#appPrefix;
  }

  /** Serves the file for `pathname` and returns true, or returns false when the path is not one of ours. */
  async serve(pathname: string, response: ServerResponse): Promise<boolean> {
    if (pathname.startsWith('/vendor/')) {
      const file = vendorFiles[pathname.slice('/vendor/'.length)];
      return file === undefined ? false : this.#send(file, response);
    }
    if (this.#appDir === undefined) return false;
    if (pathname === this.#appPrefix.slice(0, -1) || pathname === '/') {
      response.writeHead(302, { Location: this.#appPrefix });
      response.end();
      return true;
    }
    if (!pathname.startsWith(this.#appPrefix)) return false;
    const relative = decodeURIComponent(pathname.slice(this.#appPrefix.length)) || 'index.html';
    const file = resolve(this.#appDir, relative);
    // Never serve anything outside the app folder (`..`, absolute paths, encoded slashes).
    if (!file.startsWith(this.#appDir + sep)) return false;
    return this.#send(file, response);
  }

  async #send(file: string, response: ServerResponse): Promise<boolean> {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return false;
    response.writeHead(200, {
      'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-cache',
    });
    await new Promise<void>((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        response.destroy();
        done();
      });
      stream.on('end', done);
      stream.pipe(response);
    });
    return true;
  }
}
