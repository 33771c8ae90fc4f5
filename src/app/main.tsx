import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { useEval } from './eval-store.ts';
import { useLibrary } from './library-store.ts';
import { useApp } from './store.ts';
import './app.css';

useApp.getState().init();
void useLibrary.getState().init();
void useEval.getState().init();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
