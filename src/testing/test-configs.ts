// Tiny config.json-like objects for tests: small enough to run everywhere, shaped to exercise GQA, biases and tying.
// vocab_size 512 matches the stories260K tokenizer (ensureRandomCheckpoint copies it beside such checkpoints).

/** Llama with grouped-query attention (8 query heads share 2 KV heads), untied LM head. */
export const tinyLlamaGqa = Object.freeze({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: 64,
  intermediate_size: 96,
  num_hidden_layers: 2,
  num_attention_heads: 8,
  num_key_value_heads: 2,
  vocab_size: 512,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-5,
  rope_theta: 10000.0,
  hidden_act: 'silu',
  tie_word_embeddings: false,
  attention_bias: false,
  mlp_bias: false,
  bos_token_id: 1,
  eos_token_id: 2,
});

/** Qwen2 with q/k/v biases, explicit head_dim, tied embeddings. */
export const tinyQwen2 = Object.freeze({
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  hidden_size: 64,
  intermediate_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  head_dim: 16,
  vocab_size: 512,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  hidden_act: 'silu',
  tie_word_embeddings: true,
  use_sliding_window: false,
  sliding_window: 256,
  bos_token_id: 1,
  eos_token_id: 2,
});
