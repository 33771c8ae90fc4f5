// A model folder held in memory (file name → bytes) as a ModelFiles source, for Node tests of the loaders.
import { ModelFileError, type ModelFiles } from '../model/formats/model-files.ts';

export function memoryModelFiles(id: string, files: ReadonlyMap<string, Uint8Array>, opts: { weightFile?: string; listed?: boolean } = {}): ModelFiles {
  const get = (name: string): Uint8Array => {
    const f = files.get(name);
    if (!f) throw new ModelFileError(`${id} has no ${name}`);
    return f;
  };
  return {
    id,
    ...(opts.weightFile ? { weightFile: opts.weightFile } : {}),
    ...(opts.listed === false ? {} : { list: async () => [...files.keys()] }),
    async text(name) {
      const f = files.get(name);
      return f ? new TextDecoder().decode(f) : null;
    },
    async range(name, start, end) {
      const f = get(name);
      return { bytes: f.slice(Math.min(start, f.byteLength), Math.min(end, f.byteLength)), size: f.byteLength };
    },
    async stream(name, start) {
      const f = get(name).subarray(start);
      return new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(f.slice());
          c.close();
        },
      });
    },
  };
}
