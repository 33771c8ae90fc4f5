/** Packs kernel parameter structs (u32 and f32 fields, 16-byte multiples) for uniform buffers. */
export type ParamField = { u32: number } | { f32: number };

export function packParams(fields: ParamField[]): ArrayBuffer {
  const words = Math.ceil(fields.length / 4) * 4;
  const buf = new ArrayBuffer(words * 4);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  fields.forEach((field, i) => {
    if ('u32' in field) u[i] = field.u32 >>> 0;
    else f[i] = field.f32;
  });
  return buf;
}

export const u32 = (v: number): ParamField => ({ u32: v });
export const f32 = (v: number): ParamField => ({ f32: v });
