"""Write name_anonymizer's list of common English given names (its gazetteer).

Union of Faker's en_US, en_GB and en_IE first names (assets/given_names/faker-*.json, from
scripts/fetch_given_names.py), 3+ letters, minus names that are also common English words
(spaCy stop words and ``AMBIGUOUS``). Seconds.

    python scripts/build_gazetteer.py assets/given_names/faker-40.63.0.json \
        spacy_rnn/models/name_anonymizer/given_names_en.txt
"""
import json
import sys
from pathlib import Path

from spacy_rnn.anonymizer.pseudonyms import AMBIGUOUS

LOCALES = ("en_US", "en_GB", "en_IE")


def main(faker_json: str, out: str) -> None:
    table = json.loads(Path(faker_json).read_text(encoding="utf8"))
    names = {n.strip() for loc in LOCALES for n in table[loc] if n.strip().isalpha()}
    keep = sorted({n for n in names if len(n) >= 3 and n.lower() not in AMBIGUOUS}, key=str.lower)
    Path(out).write_text("\n".join(keep) + "\n", encoding="utf8")
    print(f"✔ {len(keep)} given names -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
