/** A saved dataset (library record) as the JSON file the library exports and the dataset editor opens again. */
import { datasetFileObject, type PromptDataset } from '../steering/dataset.ts';
import type { DatasetRecord } from './storage/db.ts';

export function datasetOfRecord(r: DatasetRecord): PromptDataset {
  const ds: PromptDataset = { name: r.name, description: r.description, source: r.source, target: r.target, control: r.control };
  if (r.lexicon) ds.lexicon = r.lexicon;
  if (r.chat) ds.chat = true;
  if (r.chat && r.system?.trim()) ds.system = r.system;
  return ds;
}

export function datasetRecordJson(r: DatasetRecord): string {
  return JSON.stringify(datasetFileObject(datasetOfRecord(r)), null, 2);
}
