// Node-only: a model folder on disk as a ModelFiles source (the CPU reference, tests and tools read through it).
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ModelFileError, type ModelFiles } from './model-files.ts';

/** `target`: a folder, or one file in it (a .gguf), which then is the weight file. */
export function nodeModelFiles(target: string, id = target): ModelFiles {
  const isFile = /\.gguf$/i.test(target);
  const dir = isFile ? path.dirname(target) : target;
  const full = (name: string) => path.join(dir, ...name.split('/'));
  return {
    id,
    ...(isFile ? { weightFile: path.basename(target) } : {}),
    async list() {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
    },
    async text(name) {
      try {
        return await readFile(full(name), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async range(name, start, end) {
      let handle;
      try {
        handle = await open(full(name), 'r');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelFileError(`${id} has no ${name}`);
        throw e;
      }
      try {
        const size = (await handle.stat()).size;
        const e = Math.min(end, size);
        const buf = new Uint8Array(Math.max(0, e - start));
        let done = 0;
        while (done < buf.byteLength) {
          const { bytesRead } = await handle.read(buf, done, buf.byteLength - done, start + done);
          if (bytesRead === 0) break;
          done += bytesRead;
        }
        return { bytes: buf.subarray(0, done), size };
      } finally {
        await handle.close();
      }
    },
    async stream(name, start) {
      await stat(full(name));
      return Readable.toWeb(createReadStream(full(name), { start })) as unknown as ReadableStream<Uint8Array>;
    },
  };
}
