/** Harness functions that run each WGSL kernel against its CPU twin. */
export const kernelChecksApi = {};
