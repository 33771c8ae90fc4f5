"""Reference dequantizer for the tests: the gguf package's own (written by the llama.cpp authors).

usage: gguf-dequantize.py FORMAT IN OUT
  IN: whole blocks of FORMAT (a WeightFormat name: F32 F16 BF16 Q8_0 Q4_0 Q4_1 Q4_K Q6_K), raw bytes
  OUT: written as little-endian float32, one per weight
"""
import sys

import numpy as np
from gguf import quants
from gguf.constants import GGMLQuantizationType as T

fmt, src, dst = sys.argv[1:4]
qtype = getattr(T, fmt)
data = np.fromfile(src, dtype=np.uint8)
block_size, type_size = quants.GGML_QUANT_SIZES[qtype]
rows = data.reshape((-1, type_size))
out = quants.dequantize(rows, qtype)
np.asarray(out, dtype="<f4").reshape(-1).tofile(dst)
