# TEMPORARY shim during the redesign: replaced by the real module
from ..torch_pipe import TorchPipe  # noqa
from ..util import bundled_path, resolve_weights  # noqa
