/**
 * The shape of a built-in prompt dataset (one file per preset in this folder; ../presets.ts lists them). Source = what
 * to steer away from, target = what to steer toward (as many as source, the i-th target saying what the i-th source
 * says, so Linear-AcT can pair them), control = neutral text the steering should leave alone (DSAS learns to tell
 * source from control).
 */
export interface PresetDataset {
  id: string;
  name: string;
  description: string;
  /** Which models it suits: the tiny TinyStories models, or instruction-tuned chat models. */
  audience: 'stories' | 'instruct';
  source: string[];
  target: string[];
  control: string[];
  /**
   * Word lists for the evaluation's lexicon scorer: a continuation counts as source-like when it has more source words
   * than target words (lower-case words, matched whole).
   */
  lexicon?: { source: string[]; target: string[] };
  /**
   * Example user messages to type in Chat mode to see the effect (8 for the instruct presets): everyday questions
   * that leave the model room to answer in the source or the target style, so moving the slider shows the change.
   */
  chatPrompts?: string[];
  /** A system message the draft starts with, used when the dataset is ticked as a chat dataset (none: no system message). */
  system?: string;
  /**
   * The scorer that suits the preset best, a hint for the Evaluate panel and the CLI: 'vader' (sentiment) for presets
   * whose source and target differ in sentiment, 'lexicon' (the word lists above) for style and topic presets.
   */
  scorer?: 'lexicon' | 'vader';
}
