"""Sample the bundled pseudonym pools from the trained name generator.

For each of the 37 nationalities and each kind (given name, surname), sample names
from the GRU with a fixed seed (BLAKE2b of "pool|nationality|kind"), keep usable ones
(one word, 2-14 characters, not a training name, no duplicate) until ``--size``, and
write ``pool.json`` next to the generator. Bounded: one torch thread, a few seconds
per pool.

    OMP_NUM_THREADS=1 python scripts/build_name_pool.py spacy_rnn/models/name_generator --size 400 --temperature 0.8 --rank-factor 2
"""
import argparse
import hashlib
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

from spacy_rnn.anonymizer.pseudonyms import generate_pools  # noqa: E402
from spacy_rnn.anonymizer.name_generator import NameGenerator  # noqa: E402


def fixed_seed(nationality: str, kind: str) -> int:
    digest = hashlib.blake2b(f"pool|{nationality}|{kind}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (2 ** 63)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("generator", type=Path, help="directory written by train_name_generator.py")
    p.add_argument("--size", type=int, default=400)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--rank-factor", type=int, default=2,
                   help="sample this many times --size novel names, keep the most typical --size")
    p.add_argument("--output", type=Path, default=None, help="default: GENERATOR/pool.json")
    args = p.parse_args()
    torch.set_num_threads(1)
    gen = NameGenerator.from_disk(args.generator)
    start = time.time()
    pools = generate_pools(gen, args.size, fixed_seed, args.temperature, progress=True,
                           rank_factor=args.rank_factor)
    sizes = [len(v) for kinds in pools.values() for v in kinds.values()]
    out = args.output or args.generator / "pool.json"
    meta = {"size": args.size, "temperature": args.temperature, "rank_factor": args.rank_factor,
            "min_pool": min(sizes),
            "seed": "blake2b('pool|<nationality>|<kind>')", "seconds": round(time.time() - start, 1)}
    out.write_text(json.dumps({"meta": meta, "pools": pools}, separators=(",", ":"), sort_keys=True) + "\n")
    print(f"✔ {sum(sizes)} pseudonyms in {len(sizes)} pools (smallest {min(sizes)}) -> {out}")


if __name__ == "__main__":
    main()
