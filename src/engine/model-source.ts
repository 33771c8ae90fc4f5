/** From what the page names (a ref or picked files) to the ModelFiles the loader reads. */
import { pickedModelFiles, type ModelFiles } from '../model/formats/model-files.ts';
import { resolveModelSource } from '../model/formats/resolve-source.ts';
import { EngineFailure } from './engine-errors.ts';
import type { ModelSource } from './protocol.ts';

export function modelFilesOf(source: ModelSource): ModelFiles {
  if (source.kind === 'ref') {
    const ref = source.ref.trim();
    if (!ref) throw new EngineFailure('model', 'Choose a model first.');
    try {
      return resolveModelSource(ref, undefined, source.hub);
    } catch (e) {
      throw new EngineFailure('model', (e as Error).message);
    }
  }
  if (source.files.length === 0) throw new EngineFailure('model', 'The chosen folder is empty.');
  // A cloned File may lose its webkitRelativePath; the page sends it alongside.
  const files = source.files.map(({ path, file }) => {
    Object.defineProperty(file, 'webkitRelativePath', { value: path, configurable: true });
    return file;
  });
  return pickedModelFiles(source.id, files);
}

/** A ModelFiles that reads each small file once (config, tokenizer and index files are asked for more than once while loading). */
export function memoText(files: ModelFiles): ModelFiles {
  const texts = new Map<string, Promise<string | null>>();
  return {
    ...files,
    text(name) {
      let t = texts.get(name);
      if (!t) {
        t = files.text(name);
        texts.set(name, t);
        t.catch(() => texts.delete(name));
      }
      return t;
    },
    range: (name, start, end) => files.range(name, start, end),
    stream: (name, start) => files.stream(name, start),
  };
}
