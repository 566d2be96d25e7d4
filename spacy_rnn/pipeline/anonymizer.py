"""``name_anonymizer``: replace every person name with a consistent, nationality-preserving pseudonym.

Detection (any of, merged): PERSON entities of an upstream NER; spans an upstream
component left in ``doc.spans`` (e.g. ``person_name_detector``'s "person_names");
the bundled ``person_name_detector`` when the pipeline has no NER; names the caller
already knows (config ``known_names``, ``doc.user_data["known_names"]``). Then
*propagation*: once a name part is found anywhere in a conversation, each of its
occurrences in the conversation is replaced too (any case, possessive 's, optionally
inside @handles).

Replacement: a fictional name of the same kind (given name / surname) and the same
nationality, predicted by the bundled ``surname_nationality`` model, chosen from the
pools of the bundled GRU name generator with a keyed hash (HMAC-SHA256 of the secret
key, the conversation id and the folded name), so every process holding the key agrees.

Outputs: ``doc._.anonymized`` (str; ``doc.text`` is never rewritten),
``doc._.pseudonyms`` (one dict per replaced mention) and, if ``spans_key`` is set,
``doc.spans[spans_key]`` (label "PERSON").

Conversations: pass ``doc.user_data["conversation_id"]`` or use
``with anonymizer.conversation("id"):``; docs without one are each their own
conversation. For propagation *backwards* (a name first found in a later message),
use :meth:`NameAnonymizer.anonymize_conversation` or the ``anonymize`` CLI, which see
the whole conversation before replacing.
"""
import contextlib
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence

import numpy as np
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.util import minibatch

from ..anonymize.core import (KNOWN, MODEL, NER, ConversationTable, Mention, apply, cue_spans, name_parts)
from ..anonymize.keys import DEFAULT_KEY_ENV, load_key, new_key, keyed_int
from ..anonymize.pseudonyms import Pseudonymizer, generate_pools, generator_path, load_pools
from ..errors import Errors, Warnings
from ..layers.name_generator import normalize_name

DETECTOR_MODES = ("auto", "always", "never")
SENTENCE_END = {".", "!", "?", "…"}


def load_gazetteer() -> frozenset:
    """Common English given names in Title case (bundled, from Faker's en_* locales)."""
    path = Path(__file__).resolve().parent.parent / "models" / "name_anonymizer" / "given_names_en.txt"
    if not path.exists():
        return frozenset()
    return frozenset(line.strip() for line in path.read_text(encoding="utf8").splitlines() if line.strip())
POOL_SOURCES = ("bundled", "generate")


def install_extensions() -> None:
    """``doc._.anonymized`` (str or None) and ``doc._.pseudonyms`` (list of dicts or None)."""
    for attr in ("anonymized", "pseudonyms"):
        if not Doc.has_extension(attr):
            Doc.set_extension(attr, default=None)


@Language.factory(
    "name_anonymizer",
    assigns=["doc._.anonymized", "doc._.pseudonyms"],
    default_config={
        "known_names": [],
        "use_ner": True,
        "ner_labels": ["PERSON", "PER"],
        "span_keys": ["person_names"],
        "detector": "auto",
        "detector_weights": "bundled",
        "detector_threshold": None,
        "nationality_weights": "bundled",
        "default_nationality": "English",
        "pool": "bundled",
        "pool_size": 400,
        "handles": False,
        "gazetteer": True,
        "title_cues": True,
        "key_env": DEFAULT_KEY_ENV,
        "key_file": None,
        "spans_key": None,
        "max_conversations": 10000,
        "batch_size": 512,
    },
)
def make_name_anonymizer(
    nlp: Language,
    name: str,
    *,
    known_names: List[str],
    use_ner: bool,
    ner_labels: List[str],
    span_keys: List[str],
    detector: str,
    detector_weights: Optional[str],
    detector_threshold: Optional[float],
    nationality_weights: Optional[str],
    default_nationality: str,
    pool: str,
    pool_size: int,
    handles: bool,
    gazetteer: bool,
    title_cues: bool,
    key_env: Optional[str],
    key_file: Optional[str],
    spans_key: Optional[str],
    max_conversations: int,
    batch_size: int,
) -> "NameAnonymizer":
    """Create a name_anonymizer component.

    known_names: names to replace wherever they occur (full names or single parts).
    use_ner / ner_labels: take these entity labels of an upstream NER as person names.
    span_keys: doc.spans keys an upstream component fills with person-name spans.
    detector: "auto" (run the bundled person_name_detector on docs no upstream NER or span
        key annotated), "always" (run it too, merging), "never".
    detector_weights / nationality_weights: "bundled", a path, or null (no detector / every
        name gets ``default_nationality``).
    detector_threshold: token probability at which the detector marks a name (null: its own
        tuned threshold); lower it to trade precision for fewer leaks.
    pool: "bundled" (the shipped pools sampled from the GRU generator) or "generate"
        (sample ``pool_size`` names per nationality and kind at load, seeded by the key).
    handles: also replace name parts inside @handles.
    gazetteer: also take Title-case words that are common English given names (bundled list,
        not sentence-initial) as names ("known name"): catches names the detector missed.
    title_cues: also take words the text marks as names, in any case: after a title
        ("Mr. Okonkwo", "mrs. dubois") or before a Japanese honorific ("Sato-sensei", whose
        "-sensei" stays); reported as "known name".
    key_env / key_file: where the secret key is read from (file first). Without either,
        a random key for this process is used, with a warning.
    spans_key: if set, write the replaced mentions to doc.spans[spans_key].
    max_conversations: how many conversation tables to keep (least recently used dropped).
    """
    return NameAnonymizer(nlp, name, known_names=known_names, use_ner=use_ner, ner_labels=ner_labels,
                          span_keys=span_keys, detector=detector, detector_weights=detector_weights,
                          detector_threshold=detector_threshold,
                          nationality_weights=nationality_weights, default_nationality=default_nationality,
                          pool=pool, pool_size=pool_size, handles=handles, gazetteer=gazetteer,
                          title_cues=title_cues, key_env=key_env, key_file=key_file,
                          spans_key=spans_key, max_conversations=max_conversations, batch_size=batch_size)


class NameAnonymizer:
    """Replace person names with consistent pseudonyms; composes bundled models, not trainable."""

    def __init__(self, nlp: Language, name: str = "name_anonymizer", *, known_names: Sequence[str] = (),
                 use_ner: bool = True, ner_labels: Sequence[str] = ("PERSON", "PER"),
                 span_keys: Sequence[str] = ("person_names",), detector: str = "auto",
                 detector_weights: Optional[str] = "bundled", detector_threshold: Optional[float] = None,
                 nationality_weights: Optional[str] = "bundled",
                 default_nationality: str = "English", pool: str = "bundled", pool_size: int = 400,
                 handles: bool = False, gazetteer: bool = True, title_cues: bool = True,
                 key_env: Optional[str] = DEFAULT_KEY_ENV,
                 key_file: Optional[str] = None,
                 spans_key: Optional[str] = None, max_conversations: int = 10000, batch_size: int = 512):
        if detector not in DETECTOR_MODES:
            raise ValueError(Errors.E304.format(option="detector", value=detector, options=DETECTOR_MODES))
        if pool not in POOL_SOURCES:
            raise ValueError(Errors.E304.format(option="pool", value=pool, options=POOL_SOURCES))
        install_extensions()
        self.name = name
        self.cfg = {"known_names": list(known_names), "use_ner": use_ner, "ner_labels": list(ner_labels),
                    "span_keys": list(span_keys), "detector": detector, "handles": handles, "gazetteer": gazetteer,
                    "title_cues": title_cues, "detector_threshold": detector_threshold,
                    "default_nationality": default_nationality, "spans_key": spans_key,
                    "max_conversations": max_conversations, "batch_size": batch_size}
        key = load_key(key_file, key_env)
        if key is None:
            warnings.warn(Warnings.W300.format(env=key_env))
            key = new_key()
        self._key = key
        self._pool_source, self._pool_size = pool, pool_size
        self._pseudonymizer: Optional[Pseudonymizer] = None
        self._detector = self._make_detector(nlp, detector_weights) if detector != "never" else None
        self._nationality = self._make_nationality(nlp, nationality_weights)
        self._nat_cache: Dict[str, Optional[str]] = {}
        self._known_parts = [self._parts(n) for n in known_names]
        self._gazetteer = load_gazetteer() if gazetteer else frozenset()
        self._gazetteer_hashes: Optional[frozenset] = None
        self._tables: "OrderedDict[str, ConversationTable]" = OrderedDict()
        self._local = threading.local()
        self._lock = threading.Lock()

    def __getstate__(self):
        # The thread-local "current conversation" and the lock belong to this
        # process; a pickled copy (nlp.pipe(n_process=...), pickle.dumps(nlp)) gets fresh ones.
        state = self.__dict__.copy()
        del state["_local"], state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()
        self._lock = threading.Lock()

    # -- construction helpers -------------------------------------------------------------
    def _make_detector(self, nlp: Language, weights: Optional[str]):
        return self._make_subpipe(nlp, "person_name_detector", "detector", weights,
                                  lambda reason: Warnings.W302.format(reason=reason))

    def _make_nationality(self, nlp: Language, weights: Optional[str]):
        return self._make_subpipe(nlp, "surname_nationality", "nationality", weights,
                                  lambda reason: Warnings.W301.format(
                                      reason=reason, default=self.cfg["default_nationality"]))

    def _make_subpipe(self, nlp: Language, factory: str, suffix: str, weights: Optional[str],
                      warning: Callable[[str], str]):
        """A bundled model this component runs internally, or None (with a warning) when
        its factory or weights are unavailable: the anonymizer keeps working without it."""
        if not weights:
            return None
        try:
            return nlp.create_pipe(factory, name=f"{self.name}_{suffix}", config={"weights": weights})
        except Exception as e:  # factory missing or weights unavailable
            warnings.warn(warning(f"{type(e).__name__}: {e}"))
            return None

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """The keyed pseudonym chooser (pools loaded or sampled on first use)."""
        if self._pseudonymizer is None:
            with self._lock:
                if self._pseudonymizer is None:
                    self._pseudonymizer = Pseudonymizer(self._load_pools(), self._key,
                                                        self.cfg["default_nationality"])
        return self._pseudonymizer

    def _load_pools(self):
        path = generator_path()
        if self._pool_source == "bundled":
            pool_file = path / "pool.json"
            if not pool_file.exists():
                raise ValueError(Errors.E303.format(path=pool_file))
            return load_pools(pool_file)
        from ..layers.name_generator import NameGenerator
        if not (path / "model.pt").exists():
            raise ValueError(Errors.E303.format(path=path / "model.pt"))
        generator = NameGenerator.from_disk(path)
        key = self._key
        return generate_pools(generator, self._pool_size,
                              lambda nat, kind: keyed_int(key, "pool", nat, kind) % (2 ** 63))

    @property
    def has_detector(self) -> bool:
        return self._detector is not None

    @property
    def has_nationality_model(self) -> bool:
        return self._nationality is not None

    def set_key(self, key: bytes) -> None:
        """Use ``key`` (bytes) from now on; forgets conversation tables made with the old key."""
        self._key = bytes(key)
        self._tables.clear()
        if self._pseudonymizer is not None:
            self._pseudonymizer.key = self._key
            if self._pool_source == "generate":
                self._pseudonymizer = None

    # -- conversations ------------------------------------------------------------------------
    @contextlib.contextmanager
    def conversation(self, conversation_id: str) -> Iterator["NameAnonymizer"]:
        """Docs processed inside the block belong to ``conversation_id`` (unless their
        ``user_data["conversation_id"]`` says otherwise)."""
        previous = getattr(self._local, "conversation", None)
        self._local.conversation = str(conversation_id)
        try:
            yield self
        finally:
            self._local.conversation = previous

    def forget(self, conversation_id: Optional[str] = None) -> None:
        """Drop one conversation's table (or all of them)."""
        if conversation_id is None:
            self._tables.clear()
        else:
            self._tables.pop(str(conversation_id), None)

    def table(self, conversation_id: Optional[str]) -> ConversationTable:
        """The name table of a conversation (a fresh one for ``None``)."""
        if conversation_id is None:
            return ConversationTable("")
        cid = str(conversation_id)
        table = self._tables.get(cid)
        if table is None:
            table = self._tables[cid] = ConversationTable(cid)
            while len(self._tables) > self.cfg["max_conversations"]:
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(cid)
        return table

    def _conversation_of(self, doc: Doc) -> Optional[str]:
        cid = doc.user_data.get("conversation_id") if isinstance(doc.user_data, dict) else None
        if cid is None:
            cid = getattr(self._local, "conversation", None)
        return None if cid is None else str(cid)

    # -- nationality -----------------------------------------------------------------------------
    def nationality_of(self, names: List[str]) -> List[Optional[str]]:
        """Most probable nationality of each name (bundled surname_nationality), cached."""
        default = self.cfg["default_nationality"]
        if self._nationality is None:
            return [default] * len(names)
        todo = sorted({n for n in names if n not in self._nat_cache})
        if todo:
            labels = self._nationality.labels
            probs = np.asarray(self._nationality.predict_proba(todo))
            for name, row in zip(todo, probs):
                # a name with no letters left after ASCII folding carries no nationality signal
                self._nat_cache[name] = labels[int(row.argmax())] if normalize_name(name) and row.size else default
            if len(self._nat_cache) > 200_000:
                self._nat_cache.clear()
        return [self._nat_cache.get(n, default) for n in names]

    # -- detection -----------------------------------------------------------------------------------
    @staticmethod
    def _parts(name: str) -> List[str]:
        return [p[2] for p in name_parts(str(name))]

    def _upstream(self, doc: Doc) -> List[Mention]:
        found: List[Mention] = []
        if self.cfg["use_ner"]:
            labels = set(self.cfg["ner_labels"])
            found += [Mention(e.start_char, e.end_char, NER) for e in doc.ents if e.label_ in labels]
        for key in self.cfg["span_keys"]:
            if key in doc.spans:
                found += [Mention(s.start_char, s.end_char, MODEL) for s in doc.spans[key]]
        return found

    def _needs_detector(self, doc: Doc) -> bool:
        if self._detector is None or not len(doc):  # no tokens <=> empty text (doc.text rebuilds the string)
            return False
        if self.cfg["detector"] == "always":
            return True
        annotated = self.cfg["use_ner"] and doc.has_annotation("ENT_IOB")
        annotated = annotated or any(key in doc.spans for key in self.cfg["span_keys"])
        return not annotated

    def detect(self, docs: Sequence[Doc]) -> List[List[Mention]]:
        """Name mentions found by upstream NER/spans, the detector and the gazetteer (no
        caller-known names, no propagation); never mutates the docs."""
        mentions = [self._upstream(doc) for doc in docs]
        todo = [i for i, doc in enumerate(docs) if self._needs_detector(doc)]
        if todo:
            kwargs = {"batch_size": self.cfg["batch_size"]}
            if self.cfg["detector_threshold"] is not None:
                kwargs["threshold"] = self.cfg["detector_threshold"]
            found = self._detector.find_names([docs[i] for i in todo], **kwargs)
            for i, spans in zip(todo, found):
                mentions[i] += [Mention(s.start_char, s.end_char, MODEL) for s in spans]
        if self._gazetteer:
            for doc, found in zip(docs, mentions):
                found += self._gazetteer_mentions(doc)
        if self.cfg["title_cues"]:
            for doc, found in zip(docs, mentions):
                found += [Mention(s, e, KNOWN) for s, e in cue_spans(doc.text)]
        return mentions

    def _gazetteer_mentions(self, doc: Doc) -> List[Mention]:
        out = []
        names = self._gazetteer
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

    def known_names_of(self, doc: Doc) -> List[List[str]]:
        extra = doc.user_data.get("known_names") if isinstance(doc.user_data, dict) else None
        names = list(self._known_parts)
        if extra:
            names += [self._parts(n) for n in ([extra] if isinstance(extra, str) else extra) if isinstance(n, str)]
        return [p for p in names if p]

    # -- processing -----------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        install_extensions()
        mentions = self.detect([doc])[0]
        self._process(doc, mentions)
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: Optional[int] = None) -> Iterator[Doc]:
        install_extensions()
        for batch in minibatch(stream, size=batch_size or self.cfg["batch_size"]):
            found = self.detect(batch)
            self._prefetch_nationalities(batch, found)
            for doc, mentions in zip(batch, found):
                self._process(doc, mentions)
                yield doc

    def _prefetch_nationalities(self, docs: Sequence[Doc], found: Sequence[List[Mention]]) -> None:
        """One batched nationality prediction for every name part of a batch (fills the cache
        that per-doc processing then reads; the results are the same as without it)."""
        if self._nationality is None:
            return
        surfaces = set()
        for doc, mentions in zip(docs, found):
            if mentions:
                text = doc.text
                surfaces.update(p[2] for m in mentions for p in name_parts(text, m.start, m.end))
        todo = [s for s in surfaces if s not in self._nat_cache]
        if todo:
            self.nationality_of(todo)

    def _process(self, doc: Doc, mentions: List[Mention], table: Optional[ConversationTable] = None) -> None:
        text = doc.text  # built once: Doc.text joins every token anew on each access
        if table is None:
            table = self.table(self._conversation_of(doc))
            pseudo = self.pseudonymizer
            table.observe_text(text, pseudo.words)
            for parts in self.known_names_of(doc):
                table.add_name(parts, KNOWN)
            table.add_mentions(text, mentions)
            table.resolve(pseudo, self.nationality_of)
        occurrences = table.find(text, mentions, handles=self.cfg["handles"])
        doc._.anonymized, records = apply(text, table, occurrences)
        doc._.pseudonyms = [r.as_dict() for r in records]
        key = self.cfg["spans_key"]
        if key:
            spans = [doc.char_span(r.start, r.end, label="PERSON", alignment_mode="expand") for r in records]
            doc.spans[key] = [s for s in spans if s is not None]

    def anonymize_conversation(self, docs: Sequence[Doc], conversation_id: Optional[str] = None,
                               known_names: Sequence[str] = ()) -> List[Doc]:
        """Anonymize all docs of one conversation at once: names found in any message are
        replaced in every message, earlier ones included. ``docs`` come from the pipeline
        up to this component (e.g. ``nlp.pipe(texts, disable=["name_anonymizer"])``)."""
        install_extensions()
        docs = list(docs)
        cid = None if conversation_id is None else str(conversation_id)
        table = self.table(cid)
        pseudo = self.pseudonymizer
        all_mentions = self.detect(docs)
        for parts in self._known_parts + [self._parts(n) for n in known_names]:
            if parts:
                table.add_name(parts, KNOWN)
        for doc, mentions in zip(docs, all_mentions):
            text = doc.text
            table.observe_text(text, pseudo.words)
            for parts in self.known_names_of(doc):
                table.add_name(parts, KNOWN)
            table.add_mentions(text, mentions)
        table.resolve(pseudo, self.nationality_of)
        for doc, mentions in zip(docs, all_mentions):
            self._process(doc, mentions, table)
        return docs

    # spaCy serialization: everything lives in the config and the bundled models; the key is never saved
    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return b""

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "NameAnonymizer":
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        Path(path).mkdir(parents=True, exist_ok=True)

    def from_disk(self, path, *, exclude=tuple()) -> "NameAnonymizer":
        return self


__all__ = ["NameAnonymizer", "make_name_anonymizer", "install_extensions"]
