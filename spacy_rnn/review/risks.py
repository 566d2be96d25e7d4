"""Residual risks of an anonymized text: what is left in it that looks like an identifier but is not a
replacement. Shapes found by pattern (digit runs and groups, e-mail and URL shapes, ``@``) and
capitalised words that ``person_name_detector`` scores at or above its threshold minus a margin; the
caller adds the original values of a conversation found in its output (leaks).

These are prompts for a reviewer, not detections: a year or an order number is a digit run, a city
can score as a name. The point is that nothing identifier-shaped reaches a published file unseen."""
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Tuple

# kinds of risk, in the order the page lists them, with the words it shows
KINDS = {
    "ORIGINAL_LEFT": "an original value of the conversation still in the output (blacked out unless "
                     "--show-originals)",
    "EMAIL_SHAPE": "e-mail shape",
    "URL_SHAPE": "URL shape",
    "AT": "@ handle or @ sign",
    "DIGIT_GROUPS": "phone-like digit groups",
    "DIGIT_RUN": "digit run (4 or more digits)",
    "NAME_SCORE": "capitalised word the name detector scores near or above its threshold",
}

_TLDS = ("com|net|org|edu|gov|info|biz|io|co|me|app|dev|ai|ly|gl|to|tv|uk|de|fr|es|it|nl|be|se|no|fi|dk|pl|"
         "ru|ua|cn|jp|kr|in|br|ar|mx|au|nz|ca|us|eu|ch|at|ie|pt|tr|za|ng|ma|vn")
# the shapes, tried in this order; a later match that overlaps an earlier one is dropped
_PATTERNS: Sequence[Tuple[str, "re.Pattern"]] = (
    ("EMAIL_SHAPE", re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")),
    ("URL_SHAPE", re.compile(r"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+"
                             r"|\b(?:[a-z0-9\-]+\.)+(?:" + _TLDS + r")\b(?:/[^\s<>\"']*)?")),
    ("AT", re.compile(r"\S*@\S*")),
    # phone, card and account numbers written in groups: digit groups joined by one space, dot, dash or
    # slash (or bracketed), 7 digits or more in all (checked below); the separator is required, so a
    # failed match backtracks in linear time
    ("DIGIT_GROUPS", re.compile(r"(?<![\w+])\+?(?:\(\d+\)|\d+)(?:(?:[ .\-/]|(?<=\)))(?:\(\d+\)|\d+))+(?![\w])")),
    ("DIGIT_RUN", re.compile(r"(?<!\d)\d{4,}(?!\d)")),
)
_TRAILING = ".,;:!?)]}'\""
MIN_GROUP_DIGITS = 7


@dataclass(frozen=True)
class Risk:
    """One token left in an anonymized text that looks like an identifier; ``score`` is the name
    detector's P(name) for NAME_SCORE risks, None for the shapes."""

    start: int
    end: int
    kind: str
    score: Optional[float] = None


def _overlaps(start: int, end: int, spans: Iterable[Tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def shape_risks(text: str, marks: Sequence[Tuple[int, int]]) -> List[Risk]:
    """The identifier shapes in ``text`` outside the replacements ``marks`` ((start, end) pairs):
    a shape that touches a replacement is the replacement's context (a surrogate e-mail's domain),
    not a residue."""
    taken: List[Tuple[int, int]] = list(marks)
    found: List[Risk] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            while end > start and text[end - 1] in _TRAILING:  # sentence punctuation is not part of it
                end -= 1
            if end <= start:
                continue
            if kind == "DIGIT_GROUPS" and sum(c.isdigit() for c in text[start:end]) < MIN_GROUP_DIGITS:
                continue
            if kind == "AT" and "@" not in text[start:end]:
                continue
            if _overlaps(start, end, taken):
                continue
            taken.append((start, end))
            found.append(Risk(start, end, kind))
    return sorted(found, key=lambda r: r.start)


class NameScorer:
    """Per-token name probabilities of the ``person_name_detector`` (P(B) + P(I), the quantity its
    threshold is applied to), for the capitalised words of texts."""

    def __init__(self, margin: float, weights: str = "bundled", batch_size: int = 256):
        import spacy

        import spacy_rnn  # noqa: F401  (registers the factory when the entry points are not installed)

        self.nlp = spacy.blank("en")
        self.detector = self.nlp.create_pipe("person_name_detector", config={"weights": weights})
        self.threshold = float(self.detector.threshold)
        self.margin = margin
        self.batch_size = batch_size

    @property
    def floor(self) -> float:
        """Words scored at or above this are listed."""
        return max(self.threshold - self.margin, 0.0)

    def risks(self, texts: Sequence[str], marks: Sequence[Sequence[Tuple[int, int]]]) -> List[List[Risk]]:
        """For each text, its capitalised words outside ``marks`` (and their spans) that score at least
        :attr:`floor`: those under the threshold are names the detector nearly found, those above it
        are names the anonymizer's rules kept."""
        out: List[List[Risk]] = []
        for begin in range(0, len(texts), self.batch_size):
            docs = list(self.nlp.tokenizer.pipe(texts[begin:begin + self.batch_size]))
            probs = self.detector.predict(docs) if any(len(d) for d in docs) else None
            row = 0
            for doc, spans in zip(docs, marks[begin:begin + self.batch_size]):
                found = []
                for tok in doc:
                    score = 1.0 - float(probs[row + tok.i, 0])
                    start, end = tok.idx, tok.idx + len(tok.text)
                    if (score >= self.floor and tok.text[:1].isupper() and any(c.isalpha() for c in tok.text)
                            and not _overlaps(start, end, spans)):
                        found.append(Risk(start, end, "NAME_SCORE", round(score, 3)))
                row += len(doc)
                out.append(found)
        return out


def merge(*lists: Sequence[Risk]) -> List[Risk]:
    """Risks of one text from several finders, sorted, the first of two overlapping ones kept."""
    kept: List[Risk] = []
    for risk in sorted((r for rs in lists for r in rs), key=lambda r: (r.start, -r.end)):
        if not kept or risk.start >= kept[-1].end:
            kept.append(risk)
    return kept


__all__ = ["KINDS", "Risk", "shape_risks", "NameScorer", "merge"]
