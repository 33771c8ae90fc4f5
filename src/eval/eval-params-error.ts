/** A problem with one field of a sweep's parameters, in words that start with the field's name. */
export class EvalParamsError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'EvalParamsError';
  }
}

/** A JSON value that is a list of strings (the sweep's text and word lists). */
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
