import { describe, expect, it } from 'vitest';
import { parseDataset } from '../steering/dataset.ts';
import { datasetRecordJson } from './dataset-record.ts';
import type { DatasetRecord } from './storage/db.ts';

const rec: DatasetRecord = { id: 'd1', name: 'Tutor', description: 'Kind tutor', source: ['Do it.'], target: ['Could you do it?'], control: ['The bus is late.'], saved: '2026-12-01T00:00:00Z' };

describe('a saved dataset exported as a file and opened again', () => {
  it('keeps the chat flag and the system message', () => {
    const back = parseDataset(datasetRecordJson({ ...rec, chat: true, system: 'You are a patient tutor.' }), 'tutor.json');
    expect(back).toEqual({ name: 'Tutor', description: 'Kind tutor', source: ['Do it.'], target: ['Could you do it?'], control: ['The bus is late.'], chat: true, system: 'You are a patient tutor.' });
  });

  it('writes neither for a raw-text record saved before there was a system message', () => {
    const text = datasetRecordJson(rec);
    expect(JSON.parse(text)).not.toHaveProperty('chat');
    expect(JSON.parse(text)).not.toHaveProperty('system');
    expect(parseDataset(text, 'tutor.json')).toEqual({ name: 'Tutor', description: 'Kind tutor', source: ['Do it.'], target: ['Could you do it?'], control: ['The bus is late.'] });
  });
});
