// How `eval` formats the prompts: a chat dataset is evaluated through the template as it was fitted (with its system
// message), `--chat` turns the template on for any dataset, and `--system` (with chat) replaces the dataset's message.
import type { PromptDataset } from '../src/steering/dataset.ts';
import { str, type Flags } from './args.ts';

export function evalChatFormat(flags: Flags, dataset: Pick<PromptDataset, 'chat' | 'system'>): { chat: boolean; system?: string } {
  const chat = Boolean(flags.chat) || dataset.chat === true;
  const given = str(flags, 'system');
  if (given !== undefined && !chat) throw new Error('--system is a chat system message: add --chat (or use a chat dataset)');
  const system = given ?? (dataset.chat ? dataset.system : undefined);
  return system?.trim() ? { chat, system } : { chat };
}
