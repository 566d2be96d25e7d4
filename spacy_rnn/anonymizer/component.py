"""``name_anonymizer``: replace every person name with a consistent, nationality-preserving pseudonym,
and every e-mail address, phone number, URL, @handle, IP address, card number, IBAN and
context-marked national ID with a consistent, valid surrogate from a reserved range.

Detection (any of, merged): PERSON entities of an upstream NER (without the greetings
at their edges, @handles, #hashtags and URLs); spans an upstream component left in
``doc.spans`` (e.g. ``person_name_detector``'s "person_names"); the bundled
``person_name_detector``, on every Doc, NER or not (``detector="fallback"``: only on
Docs nothing upstream annotated); names the caller
already knows (config ``known_names``, ``doc.user_data["known_names"]``). Then
*propagation*: once a name part is found anywhere in a conversation, each of its
occurrences in the conversation is replaced too (any case, possessive 's, optionally
inside @handles).

Replacement: a fictional name of the same kind (given name / surname) and the same
nationality, predicted by the bundled ``surname_nationality`` model, chosen from the
pools of the bundled GRU name generator with a keyed hash (HMAC-SHA256 of the secret
key, the conversation id and the folded name), so every process holding the key agrees.

Identifiers (config ``entities``, default all of :data:`~.conversation.ENTITIES`): found by
:mod:`.identifiers` (phonenumbers, python-stdnum, ipaddress, Luhn); each value gets one keyed
surrogate per conversation in the shape it was written, and e-mails, handles and URLs holding a
replaced name are rebuilt from its pseudonym.

Outputs: ``doc._.anonymized`` (str; ``doc.text`` is never rewritten),
``doc._.pseudonyms`` (one dict per replaced mention, with its ``label``: PERSON, EMAIL, ...) and,
if ``spans_key`` is set, ``doc.spans[spans_key]`` (labelled by type).

Conversations: pass ``doc.user_data["conversation_id"]`` or use
``with anonymizer.conversation("id"):``; docs without one are each their own
conversation. For propagation *backwards* (a name first found in a later message),
use :meth:`NameAnonymizer.anonymize_conversation` or the ``anonymize`` CLI, which see
the whole conversation before replacing. Both run :mod:`.conversation`'s engine.
"""
import contextlib
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Iterable, Iterator, List, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from ..errors import Errors, Warnings
from ..util import PERSON_LABELS
from .conversation import ENTITIES, PERSON, Conversation, ConversationEngine, check_entities
from .detection import DETECTOR_MODES, MentionFinder
from .extensions import ANONYMIZED, PSEUDONYMS, install_extensions
from .keys import DEFAULT_KEY_ENV, load_key, new_key
from .pseudonyms import POOL_SOURCES, Pseudonymizer
from .table import ConversationTable, Mention

# conversation tables kept by a component (least recently used dropped)
MAX_CONVERSATIONS = 10_000


@Language.factory(
    "name_anonymizer",
    assigns=[f"doc._.{ANONYMIZED}", f"doc._.{PSEUDONYMS}"],
    default_config={
        "entities": list(ENTITIES),
        "region": "US",
        "keep": [],
        "known_names": [],
        "use_ner": True,
        "ner_labels": list(PERSON_LABELS),
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
        "anonymized_extension": ANONYMIZED,
        "pseudonyms_extension": PSEUDONYMS,
    },
)
def make_name_anonymizer(
    nlp: Language,
    name: str,
    entities: List[str],
    region: str,
    keep: List[str],
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
    anonymized_extension: str,
    pseudonyms_extension: str,
    max_conversations: Optional[int] = None,
    batch_size: Optional[int] = None,
) -> "NameAnonymizer":
    """Create a name_anonymizer component.

    entities: the types to replace: PERSON (names), EMAIL, PHONE, URL, HANDLE, IP, CARD, IBAN,
        ID (national ID and tax numbers the text marks as such); default all.
    region: the phone region (ISO 3166 code) of numbers written without a country code.
    keep: regular expressions whose matches are never replaced as identifiers (order numbers).
    known_names: names to replace wherever they occur (full names or single parts).
    use_ner / ner_labels: take these entity labels of an upstream NER as person names.
    span_keys: doc.spans keys an upstream component fills with person-name spans.
    detector: "auto" or "always" (run the bundled person_name_detector on every doc and merge
        its names with the upstream NER's and span keys'), "fallback" (only on docs no upstream
        NER or span key annotated: what "auto" did before, when an NER such as en_core_web_sm
        turned the detector off and tripled the leaks), "never".
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
    anonymized_extension / pseudonyms_extension: the names of the two Doc extensions.
    max_conversations, batch_size: deprecated, accepted so that saved configs load; they set
        the attributes ``max_conversations`` and ``batch_size`` (a warning says so).
    """
    anon = NameAnonymizer(nlp, name, entities=entities, region=region, keep=keep, known_names=known_names, use_ner=use_ner, ner_labels=ner_labels,
                          span_keys=span_keys, detector=detector, detector_weights=detector_weights,
                          detector_threshold=detector_threshold, nationality_weights=nationality_weights,
                          default_nationality=default_nationality, pool=pool, pool_size=pool_size,
                          handles=handles, gazetteer=gazetteer, title_cues=title_cues, key_env=key_env,
                          key_file=key_file, spans_key=spans_key, anonymized_extension=anonymized_extension,
                          pseudonyms_extension=pseudonyms_extension)
    for setting, value in (("max_conversations", max_conversations), ("batch_size", batch_size)):
        if value is not None:
            warnings.warn(Warnings.W303.format(name=name, setting=setting), DeprecationWarning)
            setattr(anon, setting, value)
    return anon


class NameAnonymizer:
    """Replace person names with consistent pseudonyms; composes bundled models, not trainable.

    Attributes: ``max_conversations`` (conversation tables kept, least recently used dropped),
    ``batch_size`` (docs per detector forward pass, and per batch when the caller gives none)
    and ``engine``, the :class:`~.conversation.ConversationEngine` the ``anonymize`` command runs too.
    """

    def __init__(self, nlp: Language, name: str, *, entities: Sequence[str], region: str, keep: Sequence[str],
                 known_names: Sequence[str], use_ner: bool,
                 ner_labels: Sequence[str], span_keys: Sequence[str], detector: str,
                 detector_weights: Optional[str], detector_threshold: Optional[float],
                 nationality_weights: Optional[str], default_nationality: str, pool: str, pool_size: int,
                 handles: bool, gazetteer: bool, title_cues: bool, key_env: Optional[str],
                 key_file: Optional[str], spans_key: Optional[str], anonymized_extension: str,
                 pseudonyms_extension: str):
        if detector not in DETECTOR_MODES:
            raise ValueError(Errors.E304.format(option="detector", value=detector, options=DETECTOR_MODES))
        if pool not in POOL_SOURCES:
            raise ValueError(Errors.E304.format(option="pool", value=pool, options=POOL_SOURCES))
        entities = check_entities(entities, "entities")
        self.name = name
        self.cfg = {"entities": list(entities), "region": region, "keep": list(keep),
                    "known_names": list(known_names), "use_ner": use_ner, "ner_labels": list(ner_labels),
                    "span_keys": list(span_keys), "detector": detector, "handles": handles, "gazetteer": gazetteer,
                    "title_cues": title_cues, "detector_threshold": detector_threshold,
                    "default_nationality": default_nationality, "spans_key": spans_key,
                    "anonymized_extension": anonymized_extension, "pseudonyms_extension": pseudonyms_extension}
        self._extensions = (anonymized_extension, pseudonyms_extension)
        install_extensions(*self._extensions)
        key = load_key(key_file, key_env)
        if key is None:
            warnings.warn(Warnings.W300.format(env=key_env))
            key = new_key()
        self.max_conversations = MAX_CONVERSATIONS
        found = self._make_subpipe(nlp, "person_name_detector", "detector", detector_weights,
                                   lambda reason: Warnings.W302.format(reason=reason)) \
            if detector != "never" and PERSON in entities else None
        self._finder = MentionFinder(self.cfg, found, gazetteer)
        nationality = self._make_subpipe(nlp, "surname_nationality", "nationality",
                                         nationality_weights if PERSON in entities else None,
                                         lambda reason: Warnings.W301.format(reason=reason, default=default_nationality))
        self.engine = ConversationEngine(key, pool, pool_size, nationality, default_nationality, known_names, handles,
                                         entities=entities, region=region, keep=keep)
        self._conversations: "OrderedDict[str, Conversation]" = OrderedDict()
        self._local = threading.local()

    def __getstate__(self):
        # The thread-local "current conversation" belongs to this process; a pickled copy
        # (nlp.pipe(n_process=...), pickle.dumps(nlp)) gets a fresh one.
        state = self.__dict__.copy()
        del state["_local"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._local = threading.local()

    def _make_subpipe(self, nlp: Language, factory: str, suffix: str, weights: Optional[str],
                      warning: Callable[[str], str]):
        """A model this component runs internally, or None (with a warning) when the bundled
        one is unavailable: the anonymizer keeps working without it. Weights the user named
        (a path) must load: a pipeline silently without its detector would let names through."""
        if not weights:
            return None
        try:
            return nlp.create_pipe(factory, name=f"{self.name}_{suffix}", config={"weights": weights})
        except Exception as e:  # factory missing or weights unavailable
            if weights != "bundled":
                raise ValueError(Errors.E313.format(what=factory, weights=weights, reason=e)) from e
            warnings.warn(warning(f"{type(e).__name__}: {e}"))
            return None

    @property
    def batch_size(self) -> int:
        return self._finder.batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        self._finder.batch_size = value

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        """The keyed pseudonym chooser (pools loaded or sampled on first use)."""
        return self.engine.pseudonymizer

    @property
    def has_detector(self) -> bool:
        return self._finder.detector is not None

    @property
    def has_nationality_model(self) -> bool:
        return self.engine.nationality is not None

    @property
    def _key(self) -> bytes:
        return self.engine.key

    def set_key(self, key: bytes) -> None:
        """Use ``key`` (bytes) from now on; forgets conversation tables made with the old key."""
        self.engine.set_key(key)
        self._conversations.clear()

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
            self._conversations.clear()
        else:
            self._conversations.pop(str(conversation_id), None)

    def _conversation(self, conversation_id: Optional[str]) -> Conversation:
        if conversation_id is None:
            return self.engine.start("")
        cid = str(conversation_id)
        conversation = self._conversations.get(cid)
        if conversation is None:
            conversation = self._conversations[cid] = self.engine.start(cid)
            while len(self._conversations) > self.max_conversations:
                self._conversations.popitem(last=False)
        else:
            self._conversations.move_to_end(cid)
        return conversation

    def table(self, conversation_id: Optional[str]) -> ConversationTable:
        """The name table of a conversation (a fresh one for ``None``)."""
        return self._conversation(conversation_id).table

    def _conversation_of(self, doc: Doc) -> Optional[str]:
        cid = doc.user_data.get("conversation_id") if isinstance(doc.user_data, dict) else None
        if cid is None:
            cid = getattr(self._local, "conversation", None)
        return None if cid is None else str(cid)

    def nationality_of(self, names: List[str]) -> List[Optional[str]]:
        """Most probable nationality of each name (bundled surname_nationality), cached."""
        return self.engine.nationality_of(names)

    # -- detection -----------------------------------------------------------------------------------
    def detect(self, docs: Sequence[Doc]) -> List[List[Mention]]:
        """Name mentions found by upstream NER/spans, the detector and the gazetteer (no
        caller-known names, no propagation); never mutates the docs. No mentions when PERSON
        is not among the ``entities``."""
        if not self.engine.replace_names:
            return [[] for _ in docs]
        return self._finder(docs)

    @staticmethod
    def _known_names_of(doc: Doc) -> List[str]:
        extra = doc.user_data.get("known_names") if isinstance(doc.user_data, dict) else None
        if not extra:
            return []
        return [n for n in ([extra] if isinstance(extra, str) else extra) if isinstance(n, str)]

    # -- processing -----------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        install_extensions(*self._extensions)
        self._process(doc, doc.text, self.detect([doc])[0])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: Optional[int] = None) -> Iterator[Doc]:
        install_extensions(*self._extensions)
        for batch in minibatch(stream, size=batch_size or self.batch_size):
            found = self.detect(batch)
            texts = [doc.text for doc in batch]  # built once: Doc.text joins every token anew on each access
            self.engine.prefetch(texts, found)
            for doc, text, mentions in zip(batch, texts, found):
                self._process(doc, text, mentions)
                yield doc

    def _process(self, doc: Doc, text: str, mentions: List[Mention]) -> None:
        conversation = self._conversation(self._conversation_of(doc))
        conversation.observe([text], [mentions], known=self._known_names_of(doc))
        conversation.resolve()
        self._write(doc, *conversation.rewrite(text, mentions))

    def _write(self, doc: Doc, anonymized: str, records) -> None:
        anonymized_ext, pseudonyms_ext = self._extensions
        doc._.set(anonymized_ext, anonymized)
        doc._.set(pseudonyms_ext, [r.as_dict() for r in records])
        key = self.cfg["spans_key"]
        if key:
            spans = [doc.char_span(r.start, r.end, label=r.label, alignment_mode="expand") for r in records]
            doc.spans[key] = [s for s in spans if s is not None]

    def anonymize_conversation(self, docs: Sequence[Doc], conversation_id: Optional[str] = None,
                               known_names: Sequence[str] = ()) -> List[Doc]:
        """Anonymize all docs of one conversation at once: names found in any message are
        replaced in every message, earlier ones included. ``docs`` come from the pipeline
        up to this component (e.g. ``nlp.pipe(texts, disable=["name_anonymizer"])``)."""
        install_extensions(*self._extensions)
        docs = list(docs)
        conversation = self._conversation(None if conversation_id is None else str(conversation_id))
        all_mentions = self.detect(docs)
        texts = [doc.text for doc in docs]
        conversation.observe([], [], known=known_names)
        for doc, text, mentions in zip(docs, texts, all_mentions):
            conversation.observe([text], [mentions], known=self._known_names_of(doc))
        conversation.resolve()
        for doc, text, mentions in zip(docs, texts, all_mentions):
            self._write(doc, *conversation.rewrite(text, mentions))
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


__all__ = ["NameAnonymizer", "make_name_anonymizer"]
