/** The prompt box between visits (localStorage): the raw text, the Chat/Raw choice and the chat messages. */

export interface PromptState {
  prompt: string;
  chat: boolean;
  chatSystem: string;
  chatUser: string;
}

const KEY = 'steerscope.prompt.v1';

export const EMPTY_PROMPT_STATE: PromptState = { prompt: '', chat: false, chatSystem: '', chatUser: '' };

/** A stored value read back: fields of the wrong type are dropped, missing ones take the empty defaults. */
export function readPromptState(raw: string | null): PromptState {
  let v: unknown;
  try {
    v = raw === null ? null : JSON.parse(raw);
  } catch {
    return { ...EMPTY_PROMPT_STATE };
  }
  const o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  const str = (k: keyof PromptState) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return { prompt: str('prompt'), chat: o.chat === true, chatSystem: str('chatSystem'), chatUser: str('chatUser') };
}

export function loadPromptState(): PromptState {
  try {
    return readPromptState(localStorage.getItem(KEY));
  } catch {
    return { ...EMPTY_PROMPT_STATE }; // no storage (Node, a locked-down browser)
  }
}

/** Keeps `change` on top of what is stored. */
export function storePromptState(change: Partial<PromptState>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPromptState(), ...change }));
  } catch {
    // Storage full or off: the prompt box still holds it for this visit.
  }
}
