// Reads a dataset file for the CLI, refusing one over the size limits before the browser starts.
import fs from 'node:fs';
import path from 'node:path';
import { parseDataset, type PromptDataset } from '../src/steering/dataset.ts';
import { datasetFileBytesLimit } from '../src/steering/dataset-limits.ts';

export function readDatasetFile(file: string): { text: string; name: string; dataset: PromptDataset } {
  if (!fs.existsSync(file)) throw new Error(`no dataset file ${file}`);
  const bytes = fs.statSync(file).size;
  const name = path.basename(file);
  if (bytes > datasetFileBytesLimit()) {
    throw new Error(`${name}: the file is ${bytes.toLocaleString('en-US')} bytes; the limit is ${datasetFileBytesLimit().toLocaleString('en-US')} (split it, or keep fewer prompts)`);
  }
  const text = fs.readFileSync(file, 'utf8');
  return { text, name, dataset: parseDataset(text, name) };
}
