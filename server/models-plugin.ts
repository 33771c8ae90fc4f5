// Vite plugin (Node side): serves model folders to the page.
//   GET /models/index.json      → [{ id, files }] for every folder under MODELS_DIR holding a config.json (id: the
//                                  folder), and for every .gguf file of a folder without one (id: folder/file.gguf),
//                                  plus folders mounted by the CLI (STEERSCOPE_MODEL_MOUNTS = JSON {id: dir}).
//   GET /models/<id>/           → { files: [{ name, size }] }: the folder's files (how a GGUF folder's file is found).
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

const isGguf = (name: string) => /\.gguf$/i.test(name);

function ggufFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => isGguf(n) && fs.statSync(path.join(dir, n)).isFile()).sort();
}

/** Model folders: those with a config.json, and those holding .gguf files. */
function listModelFolders(modelsDir: string): ModelMount[] {
  if (!fs.existsSync(modelsDir)) return [];
  // statSync follows symbolic links: a linked model folder is listed too.
  return fs
    .readdirSync(modelsDir)
    .map((name) => ({ id: name, dir: path.join(modelsDir, name) }))
    .filter((m) => fs.statSync(m.dir, { throwIfNoEntry: false })?.isDirectory() && (fs.existsSync(path.join(m.dir, 'config.json')) || ggufFiles(m.dir).length > 0));
}

/** What index.json lists for a folder: the folder itself, or (no config.json) each of its GGUF files. */
function listedModels(m: ModelMount): { id: string; files: { name: string; size: number }[] }[] {
  const files = listFiles(m.dir);
  if (fs.existsSync(path.join(m.dir, 'config.json'))) return [{ id: m.id, files }];
  const ggufs = files.filter((f) => isGguf(f.name) && !f.name.includes('/'));
  if (ggufs.length === 0) return [{ id: m.id, files }];
  return ggufs.map((f) => ({ id: `${m.id}/${f.name}`, files: [f] }));
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
          const body = JSON.stringify(mounts().flatMap(listedModels));
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.end(body);
          return;
        }
        const parts = url.replace(/^\//, '').split('/');
        const mount = mounts().find((m) => m.id === parts[0]);
        const rel = parts.slice(1).join('/');
        if (mount && rel === '') {
          res.setHeader('Content-Type', 'application/json');
          res.setHeader('Cache-Control', 'no-store');
          res.end(JSON.stringify({ files: listFiles(mount.dir) }));
          return;
        }
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
