import { api } from './api.ts';

declare global {
  interface Window {
    steerscope: typeof api;
  }
}
window.steerscope = api;
document.body.dataset.ready = 'true';
