"""ONNX export (KV cache, transformers.js naming) of a checkpoint whose f32 weights exceed protobuf's 2 GiB.

    /usr/bin/python3 tools/onnx-export-external.py MODEL_DIR OUT_DIR [SHARED_TOOLS_DIR]

Same graph as `../shared/tools/torch_llama.py export` (that tool is read-only to us; this one imports its model), but:
  * the weights are registered as module buffers, so the tracer makes them initializers (torch_llama keeps them in a
    plain dict, which the tracer would bake into the graph as constants inside the protobuf);
  * torch 1.13 then writes them as one external file per tensor (its automatic >2 GiB fallback), and we regroup them
    into a few files of at most CHUNK_BYTES each: onnxruntime-web mounts every external file as one JS ArrayBuffer and
    addresses it with 32-bit offsets, so no file may come near 2 GiB, and a few hundred tiny fetches would be slow;
  * OUT_DIR/model.onnx_data.json lists those files, so the page knows what to hand onnxruntime-web.
The graph equals torch_llama.py's (checked on smollm2-135m: same ops, same weights, Constant nodes become initializers).
Run with Debian's python3 (python3-torch 1.13, python3-onnx 1.12).
"""
import json, os, sys

CHUNK_BYTES = 1 << 30  # 1 GiB: well under 2 GiB, and still only 3 files for qwen2.5-0.5b (2.35 GiB of f32)
DATA_PREFIX = 'model.onnx_data'  # transformers.js names: model.onnx_data, model.onnx_data_1, ...
MANIFEST = 'model.onnx_data.json'


def export(model_dir, out, tools_dir):
    sys.path.insert(0, tools_dir)
    import torch
    import torch_llama
    m = torch_llama.load(model_dir)

    class Wrap(torch.nn.Module):
        def __init__(s, m):
            super().__init__()
            s.m = m
            # Buffers share storage with m.W, so the traced uses of m.W[...] resolve to these (initializers).
            for i, (k, t) in enumerate(m.W.items()):
                s.register_buffer(f'w{i}_' + k.replace('.', '_'), t)

        def forward(s, input_ids, attention_mask, position_ids, *past):
            pkv = [(past[2 * i], past[2 * i + 1]) for i in range(s.m.L)] if past else None
            logits, pres = s.m(input_ids, position_ids, attention_mask, pkv)
            flat = []
            for k, v in pres:
                flat += [k, v]
            return (logits, *flat)

    L, KV, hd = m.L, m.KV, m.hd
    ids = torch.tensor([[1, 5, 6]]); mask = torch.ones(1, 5, dtype=torch.int64); pos = torch.tensor([[2, 3, 4]])
    past = []
    for _ in range(L):
        past += [torch.zeros(1, KV, 2, hd), torch.zeros(1, KV, 2, hd)]
    in_names = ['input_ids', 'attention_mask', 'position_ids']
    out_names = ['logits']
    dyn = {'input_ids': {0: 'batch_size', 1: 'sequence_length'}, 'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
           'position_ids': {0: 'batch_size', 1: 'sequence_length'}, 'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for i in range(L):
        for kv in ('key', 'value'):
            n = f'past_key_values.{i}.{kv}'; in_names.append(n); dyn[n] = {0: 'batch_size', 2: 'past_sequence_length'}
            n = f'present.{i}.{kv}'; out_names.append(n); dyn[n] = {0: 'batch_size', 2: 'total_sequence_length'}
    # torch writes the per-tensor files beside the model file: a private folder, regrouped below.
    raw = os.path.join(out, 'raw')
    os.makedirs(raw, exist_ok=True)
    torch.onnx.export(Wrap(m), (ids, mask, pos, *past), os.path.join(raw, 'model.onnx'), input_names=in_names,
                      output_names=out_names, dynamic_axes=dyn, opset_version=14, do_constant_folding=True)
    return m, raw


def regroup(raw, out):
    """Moves every initializer's bytes (inline or in torch's per-tensor files) into chunk files of ≤ CHUNK_BYTES."""
    import onnx
    from onnx import TensorProto
    model = onnx.load(os.path.join(raw, 'model.onnx'), load_external_data=False)
    files, cur, used = [], None, 0

    def open_chunk():
        nonlocal cur, used
        if cur: cur.close()
        name = DATA_PREFIX if not files else f'{DATA_PREFIX}_{len(files)}'
        files.append({'path': name, 'bytes': 0})
        cur, used = open(os.path.join(out, name), 'wb'), 0

    moved = 0
    for t in model.graph.initializer:
        if t.data_location == TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            with open(os.path.join(raw, info['location']), 'rb') as f:
                f.seek(int(info.get('offset', 0)))
                data = f.read(int(info['length'])) if 'length' in info else f.read()
        elif t.HasField('raw_data') and len(t.raw_data) >= 1024:
            data = t.raw_data
        else:
            continue  # small typed-field constants stay inside the protobuf
        pad = (-used) % 64  # 64-byte alignment: onnxruntime may use the bytes in place
        if cur is None or (used > 0 and used + pad + len(data) > CHUNK_BYTES):
            open_chunk(); pad = 0
        f = cur
        f.write(b'\0' * pad); used += pad
        offset = used
        f.write(data); used += len(data); files[-1]['bytes'] = used
        del t.external_data[:]
        t.ClearField('raw_data')
        t.data_location = TensorProto.EXTERNAL
        for k, v in (('location', files[-1]['path']), ('offset', str(offset)), ('length', str(len(data)))):
            e = t.external_data.add(); e.key = k; e.value = v
        moved += len(data)
    if cur: cur.close()
    onnx.save_model(model, os.path.join(out, 'model.onnx'))
    json.dump({'files': files, 'bytes': moved}, open(os.path.join(out, MANIFEST), 'w'), indent=1)
    onnx.checker.check_model(os.path.join(out, 'model.onnx'))  # path form: the checker reads external data itself
    return files


if __name__ == '__main__':
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    model_dir, out = args[0], args[1]
    tools_dir = args[2] if len(args) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'shared', 'tools')
    os.makedirs(out, exist_ok=True)
    _, raw = export(model_dir, out, tools_dir)
    files = regroup(raw, out)
    import shutil
    shutil.rmtree(raw)
    print('exported', out, 'external data:', ', '.join(f"{f['path']} ({f['bytes']} B)" for f in files))
