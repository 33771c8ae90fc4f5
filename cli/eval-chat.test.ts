import { describe, expect, it } from 'vitest';
import { evalChatFormat } from './eval-chat.ts';

describe('eval chat format', () => {
  it('uses a chat dataset’s system message, lets --system replace it, and keeps raw text raw', () => {
    expect(evalChatFormat({}, {})).toEqual({ chat: false });
    expect(evalChatFormat({}, { chat: true })).toEqual({ chat: true });
    expect(evalChatFormat({}, { chat: true, system: 'Be kind.' })).toEqual({ chat: true, system: 'Be kind.' });
    expect(evalChatFormat({ chat: true }, { chat: true, system: 'Be kind.' })).toEqual({ chat: true, system: 'Be kind.' });
    expect(evalChatFormat({ system: 'Be rude.' }, { chat: true, system: 'Be kind.' })).toEqual({ chat: true, system: 'Be rude.' });
    expect(evalChatFormat({ chat: true, system: 'Be brief.' }, {})).toEqual({ chat: true, system: 'Be brief.' });
    expect(evalChatFormat({ chat: true, system: '  ' }, { chat: true, system: 'Be kind.' })).toEqual({ chat: true });
  });

  it('refuses --system without chat', () => {
    expect(() => evalChatFormat({ system: 'Be kind.' }, {})).toThrow(/--system .*--chat/);
  });
});
