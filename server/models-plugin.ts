// Vite plugin (Node side): serves model folders to the page.
//   GET /models/index.json      → [{ id, files }] for every folder under MODELS_DIR holding a config.json,
//                                  plus folders mounted by the CLI (STEERSCOPE_MODEL_MOUNTS = JSON {id: dir}).
//   GET /models/<id>/<file>     → the file, with Content-Length and byte-range support (streamed loading).
import fs from 'node:fs';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { sendNotFound } from './not-found.ts';

export interface ModelMount {
  id: string;
  dir: string;
}

function listModelFolders(modelsDir: string): ModelMount[] {
  if (!fs.existsSync(modelsDir)) return [];
  return fs
    .readdirSync(modelsDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(modelsDir, e.name, 'config.json')))
    .map((e) => ({ id: e.name, dir: path.join(modelsDir, e.name) }));
}

function mountsFromEnv(): ModelMount[] {
  const raw = process.env.STEERSCOPE_MODEL_MOUNTS;
  if (!raw) return [];
  const parsed = JSON.parse(raw) as Record<string, string>;
  return Object.entries(parsed).map(([id, dir]) => ({ id, dir: path.resolve(dir) }));
}

function listFiles(dir: string): { name: string; size: number }[] {
  const out: { name: string; size: number }[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) out.push({ name: r, size: fs.statSync(path.join(dir, r)).size });
    }
  };
  walk('');
  return out;
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string): void {
  const size = fs.statSync(file).size;
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/octet-stream');
  if (range) {
    const start = Number(range[1]);
    const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
    if (start >= size || end < start) {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${size}`);
      res.end();
      return;
    }
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    res.setHeader('Content-Length', String(end - start + 1));
    fs.createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.statusCode = 200;
  res.setHeader('Content-Length', String(size));
  fs.createReadStream(file).pipe(res);
}

export function modelsPlugin(modelsDir: string): Plugin {
  const mounts = (): ModelMount[] => [...mountsFromEnv(), ...listModelFolders(path.resolve(modelsDir))];
  return {
    name: 'steerscope-models',
    configureServer(server) {
      server.middlewares.use('/models', (req, res, next) => {
        let url: string;
        try {
          url = decodeURIComponent((req.url ?? '/').split('?')[0]);
        } catch {
          sendNotFound(res, 'bad-path');
          return;
        }
        if (url === '/index.json' || url === '/') {
          const body = JSON.stringify(mounts().map((m) => ({ id: m.id, files: listFiles(m.dir) })));
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.end(body);
          return;
        }
        const parts = url.replace(/^\//, '').split('/');
        const mount = mounts().find((m) => m.id === parts[0]);
        const rel = parts.slice(1).join('/');
        if (!mount || !rel || rel.split('/').some((p) => p === '..' || p === '')) {
          sendNotFound(res, !mount ? 'no-model' : rel ? 'bad-path' : 'no-file');
          return;
        }
        const file = path.join(mount.dir, rel);
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
          sendNotFound(res, 'no-file');
          return;
        }
        sendFile(req, res, file);
      });
    },
  };
}
