#!/usr/bin/env python3
"""Float64 numpy forward pass of a `llama` or `qwen2` GGUF file, on the weights exactly as the `gguf` package
reads and dequantizes them: an independent reference for our engine (nothing here is shared with it).

Usage:
  gguf_forward.py MODEL.gguf [--ids 1,2,3] [--greedy N] [--logits all|last|none]
  (or the ids as JSON on stdin: {"ids": [...], "greedy": N, "logits": "all"}, or several sequences at once, the
  weights read once: {"sequences": [[...], [...]], "logits": "none"} → {"results": [one answer per sequence]})

Prints one JSON object:
  n_vocab, ids (the prompt),
  positions: per prompt position {argmax, top2: [id, id], top2_logits: [a, b], next_logit} (the model's
             prediction of the token after that position; next_logit: the logit of the id that follows in the
             input, absent at the last position — teacher forcing: score another engine's choices),
  logits_f32_base64 (when --logits is all or last): the prompt rows (all: n_ids × n_vocab, last: 1 × n_vocab) as
             little-endian float32, row-major,
  greedy: N greedy steps after the prompt, each {id, top2, top2_logits} (the chosen id and the top two of the
          distribution it was chosen from; each id is fed back), and
  config: the hyper-parameters read from the metadata.

RoPE: llama.cpp's converter permutes the q/k rows of `llama` files so that each rotated pair is adjacent; this
script rotates adjacent pairs (2i, 2i+1) for `llama` and halves (i, i + n_rot/2) for `qwen2` (not permuted).
"""
import argparse
import base64
import json
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        if default is None:
            raise SystemExit(f"missing metadata {key}")
        return default
    return f.contents()


class Model:
    def __init__(self, path):
        r = GGUFReader(path)
        arch = field(r, "general.architecture")
        if arch not in ("llama", "qwen2"):
            raise SystemExit(f"unsupported architecture {arch}")
        self.arch = arch
        g = lambda k, d=None: field(r, f"{arch}.{k}", d)
        self.n_embd = int(g("embedding_length"))
        self.n_layer = int(g("block_count"))
        self.n_head = int(g("attention.head_count"))
        self.n_head_kv = int(g("attention.head_count_kv", self.n_head))
        self.head_dim = int(g("attention.key_length", self.n_embd // self.n_head))
        self.n_rot = int(g("rope.dimension_count", self.head_dim))
        self.eps = float(g("attention.layer_norm_rms_epsilon"))
        self.rope_base = float(g("rope.freq_base", 10000.0))
        self.tensors = {t.name: t for t in r.tensors}
        if "rope_freqs.weight" in self.tensors:
            raise SystemExit("rope_freqs (scaled RoPE) is not supported by this reference")
        self.cache = {}
        self.embd = self.weight("token_embd.weight")  # (n_vocab, n_embd)
        self.n_vocab = self.embd.shape[0]
        self.out = self.weight("output.weight") if "output.weight" in self.tensors else self.embd
        self.out_norm = self.weight("output_norm.weight")

    def weight(self, name):
        """The tensor as float64 in PyTorch's shape order (outermost first), dequantized by the gguf package."""
        if name in self.cache:
            return self.cache[name]
        t = self.tensors[name]
        w = dequantize(t.data, t.tensor_type)
        shape = tuple(int(d) for d in reversed(t.shape))
        w = np.asarray(w, dtype=np.float64).reshape(shape)
        self.cache[name] = w
        return w

    def opt(self, name):
        return self.weight(name) if name in self.tensors else None

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, positions):
        """x: (T, heads, head_dim); rotates the first n_rot dims of each head."""
        n = self.n_rot
        inv = self.rope_base ** (-np.arange(0, n, 2, dtype=np.float64) / n)  # (n/2,)
        ang = positions[:, None].astype(np.float64) * inv[None, :]  # (T, n/2)
        cos, sin = np.cos(ang)[:, None, :], np.sin(ang)[:, None, :]
        y = x.copy()
        if self.arch == "llama":  # adjacent pairs (the converter's permuted layout)
            a, b = x[..., 0:n:2], x[..., 1:n:2]
            y[..., 0:n:2] = a * cos - b * sin
            y[..., 1:n:2] = a * sin + b * cos
        else:  # rotate-half
            a, b = x[..., : n // 2], x[..., n // 2 : n]
            y[..., : n // 2] = a * cos - b * sin
            y[..., n // 2 : n] = a * sin + b * cos
        return y

    def linear(self, x, name):
        y = x @ self.weight(name + ".weight").T
        b = self.opt(name + ".bias")
        return y if b is None else y + b

    def forward(self, ids, kv, start):
        """Logits (T, n_vocab) of tokens `ids` at positions start…; kv: per-layer [K, V] lists, extended in place."""
        T = len(ids)
        pos = np.arange(start, start + T)
        x = self.embd[np.asarray(ids)]
        hd, H, Hkv = self.head_dim, self.n_head, self.n_head_kv
        for l in range(self.n_layer):
            p = f"blk.{l}."
            h = self.rms(x, self.weight(p + "attn_norm.weight"))
            q = self.rope(self.linear(h, p + "attn_q").reshape(T, H, hd), pos)
            k = self.rope(self.linear(h, p + "attn_k").reshape(T, Hkv, hd), pos)
            v = self.linear(h, p + "attn_v").reshape(T, Hkv, hd)
            if len(kv) <= l:
                kv.append([k, v])
            else:
                kv[l] = [np.concatenate([kv[l][0], k]), np.concatenate([kv[l][1], v])]
            K, V = kv[l]  # (S, Hkv, hd)
            S = K.shape[0]
            rep = H // Hkv
            K = np.repeat(K, rep, axis=1)
            V = np.repeat(V, rep, axis=1)
            scores = np.einsum("thd,shd->hts", q, K) / np.sqrt(hd)
            mask = (np.arange(S)[None, :] > (pos[:, None]))  # key position after query position
            scores = np.where(mask[None], -np.inf, scores)
            scores -= scores.max(axis=-1, keepdims=True)
            w = np.exp(scores)
            w /= w.sum(axis=-1, keepdims=True)
            att = np.einsum("hts,shd->thd", w, V).reshape(T, H * hd)
            x = x + self.linear(att, p + "attn_output")
            h = self.rms(x, self.weight(p + "ffn_norm.weight"))
            gate = self.linear(h, p + "ffn_gate")
            up = self.linear(h, p + "ffn_up")
            x = x + self.linear(gate / (1.0 + np.exp(-gate)) * up, p + "ffn_down")
        return self.rms(x, self.out_norm) @ self.out.T


def top2(row):
    i = np.argsort(-row, kind="stable")[:2]
    return [int(i[0]), int(i[1])], [float(row[i[0]]), float(row[i[1]])]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--ids", help="comma-separated token ids (else JSON on stdin)")
    ap.add_argument("--greedy", type=int, default=None)
    ap.add_argument("--logits", choices=["all", "last", "none"], default=None)
    a = ap.parse_args()
    req = {} if a.ids else json.load(sys.stdin)
    greedy = a.greedy if a.greedy is not None else int(req.get("greedy", 0))
    logits_mode = a.logits or req.get("logits", "all")
    m = Model(a.model)
    if "sequences" in req:
        out = {"results": [answer(m, [int(t) for t in ids], greedy, logits_mode) for ids in req["sequences"]]}
    else:
        ids = [int(t) for t in a.ids.split(",")] if a.ids else [int(t) for t in req["ids"]]
        out = answer(m, ids, greedy, logits_mode)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


def answer(m, ids, greedy, logits_mode):
    if not ids:
        raise SystemExit("no token ids")
    if max(ids) >= m.n_vocab or min(ids) < 0:
        raise SystemExit(f"token id out of range 0…{m.n_vocab - 1}")
    kv = []
    logits = m.forward(ids, kv, 0)
    positions = []
    for i, row in enumerate(logits):
        t, tl = top2(row)
        positions.append({"argmax": t[0], "top2": t, "top2_logits": tl})
        if i + 1 < len(ids):
            positions[-1]["next_logit"] = float(row[ids[i + 1]])
    # Greedy steps: step s holds the chosen id and the top two of the distribution it was chosen from.
    steps = []
    t, tl = positions[-1]["top2"], positions[-1]["top2_logits"]
    for s in range(greedy):
        steps.append({"id": t[0], "top2": t, "top2_logits": tl})
        if s + 1 < greedy:
            t, tl = top2(m.forward([t[0]], kv, len(ids) + s)[0])
    out = {
        "n_vocab": m.n_vocab,
        "ids": ids,
        "config": {k: getattr(m, k) for k in ("arch", "n_embd", "n_layer", "n_head", "n_head_kv", "head_dim", "n_rot", "eps", "rope_base")},
        "positions": positions,
        "greedy": steps,
    }
    if logits_mode != "none":
        rows = logits if logits_mode == "all" else logits[-1:]
        out["logits_rows"] = logits_mode
        out["logits_f32_base64"] = base64.b64encode(np.ascontiguousarray(rows, dtype="<f4").tobytes()).decode("ascii")
    return out


if __name__ == "__main__":
    main()
