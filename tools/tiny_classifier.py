"""Writes a tiny text-classification model in the transformers.js layout, for the classifier scorer's offline tests.

    python tools/tiny_classifier.py OUT_DIR ['{"word": [negative weight, positive weight], ...}']

OUT_DIR gets config.json (model_type bert, id2label NEGATIVE/POSITIVE), tokenizer.json (BERT normaliser and
pre-tokeniser, a WordPiece vocabulary of eight tokens, no special tokens added), tokenizer_config.json and
onnx/model.onnx plus onnx/model_quantized.onnx (the same graph: there is nothing to quantise). The graph is a bag of
words, so its output can be worked out by hand:

    logit[NEGATIVE] = 0.25 + count("bad") + 2 * count("terrible")
    logit[POSITIVE] = count("good") + 2 * count("great")

over the lower-cased words (every other word is [UNK], weight 0; padding is masked out). The pipeline's softmax
then gives P(POSITIVE) = 1 / (1 + exp(logit[NEGATIVE] - logit[POSITIVE])). A JSON object as the second argument
replaces the four weighted words (lower-case letters only), e.g. words a small story model writes often.
"""

import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
# Per word: (NEGATIVE weight, POSITIVE weight).
WEIGHTS = {"good": (0.0, 1.0), "bad": (1.0, 0.0), "great": (0.0, 2.0), "terrible": (2.0, 0.0)}
VOCAB = SPECIAL + list(WEIGHTS)
BIAS = (0.25, 0.0)
LABELS = ["NEGATIVE", "POSITIVE"]


def graph() -> onnx.ModelProto:
    emb = np.zeros((len(VOCAB), 2), dtype=np.float32)
    for word, w in WEIGHTS.items():
        emb[VOCAB.index(word)] = w
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["per_token"], axis=0),  # [b, s, 2]
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),  # [b, s]
        helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),  # [b, s, 1]
        helper.make_node("Mul", ["per_token", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis1"], ["counts"], keepdims=0),  # [b, 2]
        helper.make_node("Add", ["counts", "bias"], ["logits"]),
    ]
    inits = [
        numpy_helper.from_array(emb, "embedding"),
        numpy_helper.from_array(np.array(BIAS, dtype=np.float32), "bias"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis2"),
    ]
    g = helper.make_graph(
        nodes,
        "tiny_bag_of_words_classifier",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])],
        inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="steerscope-tiny-classifier")
    m.ir_version = 8  # read by every onnxruntime the tests use
    onnx.checker.check_model(m)
    return m


def tokenizer() -> dict:
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
            for i, t in enumerate(SPECIAL)
        ],
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {
            "type": "WordPiece",
            "unk_token": "[UNK]",
            "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100,
            "vocab": {t: i for i, t in enumerate(VOCAB)},
        },
    }


def main() -> None:
    global WEIGHTS, VOCAB
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: tiny_classifier.py OUT_DIR [WEIGHTS_JSON]")
    out = sys.argv[1]
    if len(sys.argv) == 3:
        WEIGHTS = {w: (float(n), float(p)) for w, (n, p) in json.loads(sys.argv[2]).items()}
        if not all(w.isascii() and w.isalpha() and w.islower() for w in WEIGHTS):
            sys.exit("weighted words must be lower-case letters")
        VOCAB = SPECIAL + list(WEIGHTS)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    config = {
        "model_type": "bert",
        "architectures": ["BertForSequenceClassification"],
        "id2label": {str(i): l for i, l in enumerate(LABELS)},
        "label2id": {l: i for i, l in enumerate(LABELS)},
        "vocab_size": len(VOCAB),
        "hidden_size": 2,
        "num_hidden_layers": 0,
        "num_attention_heads": 1,
        "max_position_embeddings": 512,
    }
    tok_config = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "model_max_length": 512,
        "unk_token": "[UNK]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "sep_token": "[SEP]",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer(), f, indent=1)
    with open(os.path.join(out, "tokenizer_config.json"), "w") as f:
        json.dump(tok_config, f, indent=1)
    data = graph().SerializeToString()
    for name in ("model.onnx", "model_quantized.onnx"):
        with open(os.path.join(out, "onnx", name), "wb") as f:
            f.write(data)
    print(json.dumps({"dir": out, "labels": LABELS, "vocab": VOCAB}))


if __name__ == "__main__":
    main()
