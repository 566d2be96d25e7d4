"""Finding the name mentions of Docs: upstream NER and spans, the person_name_detector,
the given-name gazetteer and the title/honorific cues. Never mutates the Docs."""
from typing import Any, Dict, List, Optional, Sequence, Tuple

from spacy.attrs import ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc

from ..util import bundled_path
from .name_parts import cue_spans
from .table import KNOWN, MODEL, NER, Mention

# "auto" and "always": the detector reads every Doc, merged with the upstream NER and spans;
# "fallback": only Docs no upstream NER or span key annotated (the "auto" of 0.1.0); "never"
DETECTOR_MODES = ("auto", "always", "fallback", "never")
# words an upstream NER takes into a PERSON entity at its edges ("hey sarah", "yo mike wassup",
# "thanks John"); cut off before the span is a mention
EDGE_WORDS = frozenset(
    "hi hii hey heyy heya hiya hello helo hallo hola yo yoo sup wassup wasup whatsup dear thanks thank thx thnx "
    "thanx cheers bye goodbye congrats congratulations welcome morning night gm gn ok okay oh ohh lol lmao omg "
    "haha hahaha rip happy birthday bday miss ask tell call meet rt amp quot http https you u ya".split())
SENTENCE_END = {".", "!", "?", "…"}
# names per forward pass of the detector
DETECTOR_BATCH = 512


def load_gazetteer() -> frozenset:
    """Common English given names in Title case (bundled, from Faker's en_* locales)."""
    path = bundled_path("name_anonymizer") / "given_names_en.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf8").splitlines() if line.strip())


class MentionFinder:
    """The detection settings of a ``name_anonymizer`` (read live from its ``cfg``) and its detector."""

    def __init__(self, cfg: Dict[str, Any], detector: Optional[Any], gazetteer: bool):
        self.cfg = cfg
        self.detector = detector
        self.batch_size = DETECTOR_BATCH
        self.gazetteer = load_gazetteer() if gazetteer else frozenset()
        self._gazetteer_hashes: Optional[frozenset] = None

    def __call__(self, docs: Sequence[Doc]) -> List[List[Mention]]:
        mentions = [self._upstream(doc) for doc in docs]
        todo = [i for i, doc in enumerate(docs) if self._needs_detector(doc)]
        if todo:
            kwargs = {"batch_size": self.batch_size}
            if self.cfg["detector_threshold"] is not None:
                kwargs["threshold"] = self.cfg["detector_threshold"]
            found = self.detector.find_names([docs[i] for i in todo], **kwargs)
            for i, spans in zip(todo, found):
                mentions[i] += [Mention(s.start_char, s.end_char, MODEL) for s in spans]
        if self.gazetteer:
            for doc, found in zip(docs, mentions):
                found += self._gazetteer_mentions(doc)
        if self.cfg["title_cues"]:
            for doc, found in zip(docs, mentions):
                found += [Mention(s, e, KNOWN) for s, e in cue_spans(doc.text)]
        return mentions

    def _upstream(self, doc: Doc) -> List[Mention]:
        found: List[Mention] = []
        if self.cfg["use_ner"]:
            labels = set(self.cfg["ner_labels"])
            for ent in doc.ents:
                if ent.label_ in labels:
                    span = trim_edges(ent)
                    if span is not None:
                        found.append(Mention(span[0], span[1], NER))
        for key in self.cfg["span_keys"]:
            if key in doc.spans:
                found += [Mention(s.start_char, s.end_char, MODEL) for s in doc.spans[key]]
        return found

    def _needs_detector(self, doc: Doc) -> bool:
        if self.detector is None or not len(doc):  # no tokens <=> empty text (doc.text rebuilds the string)
            return False
        if self.cfg["detector"] != "fallback":
            return True
        annotated = self.cfg["use_ner"] and doc.has_annotation("ENT_IOB")
        annotated = annotated or any(key in doc.spans for key in self.cfg["span_keys"])
        return not annotated

    def _gazetteer_mentions(self, doc: Doc) -> List[Mention]:
        out = []
        names = self.gazetteer
        hashes = self._gazetteer_hashes
        if hashes is None:
            hashes = self._gazetteer_hashes = frozenset(get_string_id(n) for n in names)
        # only tokens whose ORTH hash is a gazetteer name become Token objects (speed)
        for i, h in enumerate(doc.to_array(ORTH).tolist()):
            if h not in hashes:
                continue
            token = doc[i]
            text = token.text
            if len(text) < 3 or not text[0].isupper() or text not in names or i == 0:
                continue
            prev = doc[i - 1].text
            if prev in SENTENCE_END or "\n" in doc[i - 1].whitespace_ + prev:
                continue  # sentence-initial: capitalized anyway
            out.append(Mention(token.idx, token.idx + len(text), KNOWN))
        return out


def trim_edges(span) -> Optional[Tuple[int, int]]:
    """The character offsets of an entity without the greetings and punctuation at its edges
    ("hey sarah" -> "sarah"), or None when nothing is left or it is part of an @handle, a
    #hashtag or a URL (the detector leaves those too; see the ``handles`` setting)."""
    tokens = list(span)
    if any(t.like_url or t.like_email or (t.text[:1] in "@#" and len(t) > 1) for t in tokens):
        return None
    while tokens and _edge(tokens[0]):
        tokens.pop(0)
    while tokens and _edge(tokens[-1]):
        tokens.pop()
    if not tokens:
        return None
    if tokens[0].i:
        before = tokens[0].nbor(-1)
        if not before.whitespace_ and before.text[-1:] in "@#":
            return None  # "@" + "LilTwist": a handle
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _edge(token) -> bool:
    return token.is_punct or token.is_space or token.lower_.rstrip("!.,") in EDGE_WORDS


__all__ = ["MentionFinder", "DETECTOR_MODES", "EDGE_WORDS", "load_gazetteer", "trim_edges"]
