"""Where the bundled weights live, how a ``weights`` setting names a directory, person entity labels."""
from pathlib import Path
from typing import Optional, Union

MODELS_DIR = Path(__file__).parent / "models"
# entity labels that mean "a person" in spaCy's English pipelines (PERSON) and in CoNLL/WikiNER data (PER)
PERSON_LABELS = ("PERSON", "PER")


def bundled_path(component: str) -> Path:
    """Directory of the pretrained weights shipped inside the package for ``component``."""
    return MODELS_DIR / component


def resolve_weights(weights: Optional[Union[str, Path]], component: str) -> Optional[Path]:
    """``"bundled"`` -> the packaged weights; a path -> itself; ``None`` or ``""`` -> no weights."""
    if not weights:
        return None
    if weights == "bundled":
        return bundled_path(component)
    return Path(weights)
