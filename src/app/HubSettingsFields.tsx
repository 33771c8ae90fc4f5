import { DEFAULT_HUB_ENDPOINT } from '../model/formats/hub.ts';
import { hubSettingsOf } from './hub-settings.ts';
import { useApp } from './store.ts';

/** The hub endpoint (huggingface.co, a mirror) and an optional access token for gated or private repos. */
export function HubSettingsFields() {
  const hub = useApp((s) => s.hub);
  const { setHub } = useApp.getState();
  const check = hubSettingsOf(hub);
  const custom = check.ok && check.hub.endpoint !== DEFAULT_HUB_ENDPOINT;
  return (
    <details className="hub-settings" open={custom || !check.ok || undefined}>
      <summary>Hub settings{custom && check.ok ? `: ${check.hub.endpoint}` : ''}{hub.token.trim() ? ' · token set' : ''}</summary>
      <div className="field">
        <label htmlFor="hub-endpoint">Hub endpoint</label>
        <input
          id="hub-endpoint"
          type="url"
          value={hub.endpoint}
          onChange={(e) => setHub({ endpoint: e.target.value })}
          placeholder={DEFAULT_HUB_ENDPOINT}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={check.ok ? undefined : true}
          aria-describedby="hub-endpoint-hint"
        />
        <p id="hub-endpoint-hint" className={check.ok ? 'hint' : 'field-error'}>
          {check.ok ? 'Where hub ids are read from: huggingface.co or a mirror of it (owner/name/resolve/revision/file).' : check.message}
        </p>
      </div>
      <div className="field">
        <label htmlFor="hub-token">Access token</label>
        <input
          id="hub-token"
          type="password"
          value={hub.token}
          onChange={(e) => setHub({ token: e.target.value })}
          placeholder="hf_… (only for gated or private repos)"
          spellCheck={false}
          autoComplete="off"
          aria-describedby="hub-token-hint"
        />
        <p id="hub-token-hint" className="hint">
          Kept in this browser and sent only to the hub endpoint’s own server, not to the download servers it redirects to.
        </p>
      </div>
    </details>
  );
}
