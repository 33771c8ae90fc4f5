/**
 * The hub endpoint and access token as the user set them, kept in localStorage between visits (like the dataset
 * draft). The token stays in this browser: it is sent only to the endpoint's origin, never shown in messages.
 */
import { checkHubEndpoint, DEFAULT_HUB_ENDPOINT, type HubSettings } from '../model/formats/hub.ts';

const KEY = 'steerscope-hub';

export interface HubDraft {
  endpoint: string;
  token: string;
}

export const DEFAULT_HUB: HubDraft = { endpoint: DEFAULT_HUB_ENDPOINT, token: '' };

export function loadHubDraft(): HubDraft {
  try {
    const raw = typeof localStorage === 'undefined' ? null : localStorage.getItem(KEY);
    const d = raw ? (JSON.parse(raw) as Partial<HubDraft>) : null;
    if (d && typeof d.endpoint === 'string' && typeof d.token === 'string') return { endpoint: d.endpoint, token: d.token };
  } catch {
    // no storage, or a damaged entry: the default hub
  }
  return { ...DEFAULT_HUB };
}

export function storeHubDraft(d: HubDraft): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(d));
  } catch {
    // kept in memory for this visit
  }
}

/** What loads use: a valid endpoint (the default when blank) and the token, or the endpoint's problem. */
export function hubSettingsOf(d: HubDraft): { ok: true; hub: HubSettings } | { ok: false; message: string } {
  const c = checkHubEndpoint(d.endpoint);
  if (!c.ok) return c;
  return { ok: true, hub: { endpoint: c.endpoint, ...(d.token.trim() ? { token: d.token.trim() } : {}) } };
}
