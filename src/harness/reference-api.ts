/** Harness functions running the independent reference runtime (onnxruntime-web). */
export const referenceApi = {};
