import { useRef } from 'react';
import { useLibrary } from './library-store.ts';

/** A button that opens the file picker for intervention files (.zip, or the .json and .safetensors; or a llama.cpp control vector .gguf or PyTorch map .safetensors) and imports them. */
export function ImportButton({ label, inputLabel, activate = false }: { label: string; inputLabel: string; activate?: boolean }) {
  const importing = useLibrary((s) => s.importing);
  const fileInput = useRef<HTMLInputElement | null>(null);
  return (
    <>
      <button type="button" className="secondary small" disabled={importing} onClick={() => fileInput.current?.click()}>
        {label}
      </button>
      <input
        ref={fileInput}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        accept=".zip,.json,.safetensors,.gguf"
        aria-label={inputLabel}
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          void useLibrary.getState().importFiles(files, activate ? { activate: true } : undefined);
        }}
      />
    </>
  );
}
