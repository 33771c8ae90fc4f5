// Test helper: the list of problems a DatasetError names (fails the test when no DatasetError is thrown).
import { DatasetError } from '../steering/dataset.ts';

export function datasetIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof DatasetError) return e.issues;
    throw e;
  }
  throw new Error('expected a DatasetError');
}
