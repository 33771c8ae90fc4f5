import { describe, expect, it } from 'vitest';
import { CATALOG, catalogFormatOf, catalogFormatSpec, findCatalogFormat, findCatalogModel } from './catalog.ts';
import { estimateGpuMemoryFor } from './gpu/memory-estimate.ts';

describe('catalog formats', () => {
  it('each model offers its safetensors first, then GGUF files of known hub repos', () => {
    for (const m of CATALOG) {
      expect(m.formats[0]).toMatchObject({ ref: m.hubId, matrices: 'BF16', file: 'model.safetensors' });
      for (const f of m.formats.slice(1)) expect(f.ref).toMatch(/^[\w.-]+\/[\w.-]+-GGUF\/[\w.-]+\.gguf$/);
    }
    expect(findCatalogFormat('Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf')?.format.matrices).toBe('Q4_0');
    expect(findCatalogModel('Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_0.gguf')?.name).toBe('Qwen2.5-0.5B-Instruct');
    expect(findCatalogFormat('qwen/qwen2.5-0.5b-instruct@main')?.format.label).toBe('BF16 safetensors');
  });

  it('each file size is close to the weight bytes of its format (the engine keeps the file formats as they are)', () => {
    for (const m of CATALOG) {
      for (const f of m.formats) {
        const est = estimateGpuMemoryFor(catalogFormatSpec(m, f), catalogFormatOf(f));
        const ratio = f.fileBytes / est.weightBytes;
        expect(ratio, `${f.ref}: ${f.fileBytes} vs ${est.weightBytes}`).toBeGreaterThan(0.97);
        expect(ratio, `${f.ref}: ${f.fileBytes} vs ${est.weightBytes}`).toBeLessThan(1.06);
      }
    }
  });

  it('a quantized file needs less GPU memory than BF16, Q4_0 less than Q8_0', () => {
    for (const m of CATALOG) {
      const need = (label: string) => {
        const f = m.formats.find((x) => x.label === label)!;
        return estimateGpuMemoryFor(catalogFormatSpec(m, f), catalogFormatOf(f)).totalBytes;
      };
      expect(need('Q8_0 GGUF')).toBeLessThan(need('BF16 safetensors'));
      expect(need('Q4_0 GGUF')).toBeLessThan(need('Q8_0 GGUF'));
    }
  });
});
