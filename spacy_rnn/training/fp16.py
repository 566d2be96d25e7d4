"""Half-precision storage for serialized thinc models that wrap torch modules.

Bundled weights are stored with fp16 floats to halve the package size. Loading
needs nothing special: thinc's torch deserializer calls ``load_state_dict``,
which copies each fp16 tensor into the fp32 parameter (converting it).
"""
import io

import srsly
import torch


def _halve_state(state_bytes: bytes) -> bytes:
    state = torch.load(io.BytesIO(state_bytes), map_location="cpu", weights_only=True)
    halved = {k: v.half() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in state.items()}
    out = io.BytesIO()
    torch.save(halved, out)
    return out.getvalue()


def halve_model_bytes(model_bytes: bytes) -> bytes:
    """Return ``Model.to_bytes()`` output with every torch shim's floats stored as fp16."""
    msg = srsly.msgpack_loads(model_bytes)
    for node_shims in msg["shims"]:
        for i, shim_bytes in enumerate(node_shims):
            shim = srsly.msgpack_loads(shim_bytes)
            if "state" in shim:
                shim["state"] = _halve_state(shim["state"])
                node_shims[i] = srsly.msgpack_dumps(shim)
    return srsly.msgpack_dumps(msg)
