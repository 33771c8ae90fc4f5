import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { getEngine } from './engine-jobs.ts';
import { useEval } from './eval-store.ts';
import { useLibrary } from './library-store.ts';
import { useApp } from './store.ts';
import './app.css';

useApp.getState().init();
void useLibrary.getState().init();
void useEval.getState().init();

// Dev server only (left out of the production build): lets the browser tests lose the GPU device on purpose.
if (import.meta.env.DEV) {
  (window as unknown as { steerscopeDebug: { loseDevice(): Promise<{ lost: boolean }> } }).steerscopeDebug = {
    loseDevice: () => getEngine()?.loseDevice() ?? Promise.resolve({ lost: false }),
  };
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
