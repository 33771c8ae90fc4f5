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
