"""Copy one trained component out of a spaCy pipeline into spacy_rnn/models/<component>/.

The bundled directory is the component's own ``to_disk`` output (cfg + model),
which the factory loads with ``weights = "bundled"``, with the torch weights
stored as fp16 (``--fp32`` keeps full precision). A MODEL_CARD.md already in the
target directory is kept.
"""
import shutil
import sys
from pathlib import Path

import spacy

from spacy_rnn.training.fp16 import halve_model_bytes


def main(pipeline_dir: str, component: str, *flags: str) -> None:
    nlp = spacy.load(pipeline_dir)
    target = Path(__file__).resolve().parent.parent / "spacy_rnn" / "models" / component
    target.mkdir(parents=True, exist_ok=True)
    for child in ("cfg", "model"):
        path = target / child
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    nlp.get_pipe(component).to_disk(target, exclude=["vocab"])
    if "--fp32" not in flags:
        model_file = target / "model"
        model_file.write_bytes(halve_model_bytes(model_file.read_bytes()))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"✔ bundled {component} from {pipeline_dir} into {target} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main(*sys.argv[1:])
