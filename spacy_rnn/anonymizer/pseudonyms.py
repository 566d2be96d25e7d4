"""Pseudonym pools and the keyed choice of a pseudonym.

A *pool* holds, for each nationality and kind of name (given name / surname),
names sampled from the nationality-conditioned GRU generator and filtered: not a
training name, not a duplicate, one word, 2-14 characters. Two sources:

- ``"bundled"`` (default): ``spacy_rnn/models/name_generator/pool.json``, sampled
  once by ``scripts/build_name_pool.py`` (``spacy project run anon-pool``).
  Nothing is sampled at run time, so startup is instant and every machine sees the
  very same pool whatever its CPU or torch build.
- ``"generate"``: sampled at load time from the bundled generator with seeds derived
  from the secret key (HMAC), so the pool itself is unknown to anyone without the key.

The pseudonym of a name is ``pool[HMAC(key, scope, kind, name) mod len(pool)]``,
stepping forward past candidates that are the original itself or already taken in
the conversation (another name or pseudonym, or a word of the conversation's text).
"""
import json
import re
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from spacy.lang.en.stop_words import STOP_WORDS

from ..errors import Errors
from ..util import bundled_path
from .keys import keyed_int
from .name_parts import CITY_NAMES, CITY_WORDS, MODALS, MONTHS, NON_NAME_WORDS, SURNAME_PARTICLES

Pools = Dict[str, Dict[str, List[str]]]  # nationality -> kind -> names (normalized, lowercase)
GIVEN, SURNAME = "given", "surname"
POOL_SOURCES = ("bundled", "generate")
# lowercase occurrences of these are words, not names ("will", "may", "bill"): only Title/UPPER count
AMBIGUOUS = set(STOP_WORDS) | {"bill", "rose", "mark", "grace", "hope", "faith", "joy", "june", "april", "may",
                               "august", "sue", "pat", "ray", "dean", "frank", "art", "gene", "jack", "rich",
                               "guy", "mike", "max", "sky", "summer", "autumn", "dawn", "ivy", "lily", "destiny",
                               "chance", "king", "young", "long", "brown", "white", "black", "green", "gray",
                               "grey", "price", "hall", "wood", "stone", "baker", "cook", "miller", "hunter"}
# words the anonymizer never takes for names (greetings, cities, months, modals) are never pseudonyms either,
# so that deanonymize finds every pseudonym where it was written
NOT_PSEUDONYMS = NON_NAME_WORDS | CITY_WORDS | CITY_NAMES | MONTHS | MODALS


_PIECE_SEPARATORS = re.compile(r"[\s\-'’]+")


def pieces(name: str) -> List[str]:
    """The parts of a (normalized) name or pseudonym: "maria-olice" -> maria, olice; "bin rahim" -> bin, rahim."""
    return [p for p in _PIECE_SEPARATORS.split(name) if p]


def keep_candidate(name: str, generator=None, kind: str = GIVEN) -> bool:
    """A sampled name is usable as a pseudonym: 2-14 letters (plus ' or -), one word, or for
    surnames a particle + one word ("bin rahim", "al haddad"); not a training name."""
    if not (2 <= len(name) <= 16) or not name[0].isalpha() or not name[-1].isalpha():
        return False
    words = name.split(" ")
    if len(words) > 1:
        if kind != SURNAME or len(words) != 2 or words[0] not in SURNAME_PARTICLES or len(words[1]) < 3:
            return False
    elif len(name) > 14:
        return False
    return generator is None or not generator.is_training_name(name)


def generate_pools(generator, size: int, seed_of: Callable[[str, str], int], temperature: float = 1.0,
                   nationalities: Optional[Iterable[str]] = None, kinds: Sequence[str] = (GIVEN, SURNAME),
                   progress: bool = False, rank_factor: int = 1, max_rounds: int = 8) -> Pools:
    """``size`` distinct usable names for every nationality and kind, sampled from ``generator``
    in batched rounds (all pools at once; fewer names only if the generator keeps repeating).
    With ``rank_factor`` k > 1, k×size candidates are collected and the ``size`` most typical
    ones (lowest loss per character under the generator) are kept, in sampling order."""
    labels = list(nationalities or generator.labels)
    items = [(nat, kind) for nat in labels for kind in kinds]
    want = size * max(1, rank_factor)
    found: Dict[Tuple[str, str], List[str]] = {item: [] for item in items}
    seen: Dict[Tuple[str, str], Set[str]] = {item: set() for item in items}
    rounds = range(max_rounds)
    if progress:
        from tqdm import tqdm
        rounds = tqdm(rounds, desc="sampling name pools", unit="round")
    for round_ in rounds:
        todo = [item for item in items if len(found[item]) < want]
        if not todo:
            break
        requests = [(nat, kind, max(64, 2 * (want - len(found[(nat, kind)]))), seed_of(nat, kind) + round_)
                    for nat, kind in todo]
        for item, names in zip(todo, generator.sample_batch(requests, temperature)):
            for name in names:
                if len(found[item]) < want and name not in seen[item] and keep_candidate(name, generator, item[1]):
                    seen[item].add(name)
                    found[item].append(name)
    pools: Pools = {}
    for (nat, kind), pool in found.items():
        if rank_factor > 1 and len(pool) > size:
            nll = generator.log_likelihood(pool, nat, kind)
            keep = set(sorted(range(len(pool)), key=lambda i: (float(nll[i]), i))[:size])
            pool = [n for i, n in enumerate(pool) if i in keep]
        pools.setdefault(nat, {})[kind] = pool[:size]
    return pools


def read_pools(path: Union[str, Path]) -> Pools:
    """The pools of a pool file written by scripts/build_name_pool.py."""
    data = json.loads(Path(path).read_text(encoding="utf8"))
    return data["pools"]


def load_pools(source: str, size: int, key: bytes) -> Pools:
    """``"bundled"``: the shipped pool file; ``"generate"``: ``size`` names per nationality and
    kind sampled from the bundled generator, seeded by the key (so the pools are secret too)."""
    path = bundled_path("name_generator")
    if source == "bundled":
        if not (path / "pool.json").exists():
            raise ValueError(Errors.E303.format(path=path / "pool.json"))
        return read_pools(path / "pool.json")
    from .name_generator import NameGenerator
    if not (path / "model.pt").exists():
        raise ValueError(Errors.E303.format(path=path / "model.pt"))
    return generate_pools(NameGenerator.from_disk(path), size,
                          lambda nat, kind: keyed_int(key, "pool", nat, kind) % (2 ** 63))


class Pseudonymizer:
    """Keyed, deterministic choice of pseudonyms from per-nationality pools."""

    def __init__(self, pools: Pools, key: bytes, fallback_nationality: str = "English"):
        # words that are also common English words ("may", "will") never become pseudonyms
        self.pools = {nat: {k: [n for n in v if n not in AMBIGUOUS and n.rsplit(" ", 1)[-1] not in NOT_PSEUDONYMS]
                            for k, v in kinds.items() if v}
                      for nat, kinds in pools.items()}
        self.key = key
        self.fallback = fallback_nationality if fallback_nationality in self.pools else sorted(self.pools)[0]
        self.words: Set[str] = {w for kinds in self.pools.values() for names in kinds.values() for n in names
                                 for w in n.split(" ")}

    @property
    def nationalities(self) -> List[str]:
        return sorted(self.pools)

    def _pool(self, nationality: Optional[str], kind: str) -> List[str]:
        kinds = self.pools.get(nationality or "", {}) or self.pools[self.fallback]
        return kinds.get(kind) or kinds.get(SURNAME if kind == GIVEN else GIVEN) or self.pools[self.fallback][kind]

    def pick(self, scope: str, kind: str, nationality: Optional[str], name: str, taken: Set[str]) -> str:
        """The pseudonym (normalized, lowercase) for normalized ``name``: as many words as ``name``
        (a one-word name never gets "bin rahim", only "rahim"), preferably with the same hyphens
        and apostrophes, and no piece in common with ``name`` or in ``taken`` ("maria" never gets
        "maria-olice"; the caller puts the pieces of its names in ``taken``). Deterministic given
        the key and the arguments."""
        h = keyed_int(self.key, scope, kind, name)
        words = len(name.split(" "))
        own = set(pieces(name)) | {name}
        want = _PIECE_SEPARATORS.findall(name)
        order: Sequence[List[str]] = [self._pool(nationality, kind)]
        order += [self.pools[n][kind] for n in self.nationalities if self.pools[n].get(kind)]
        for pool in order:
            n = len(pool)
            start = h % n
            for same_shape in (True, False):
                for i in range(n):
                    cand = pool[(start + i) % n]
                    if words == 1 and " " in cand:
                        cand = cand.rsplit(" ", 1)[1]  # "binti sahat" -> "sahat"
                    if same_shape and _PIECE_SEPARATORS.findall(cand) != want:
                        continue  # "jean-luc" first tries "marc-paul", "wei" tries "tomas"
                    parts = pieces(cand)
                    if cand != name and cand not in taken and not any(p in taken or p in own for p in parts):
                        return cand
        # every pool exhausted (impossible in practice): a distinct, still name-shaped string
        i = 2
        while f"{name}{i}" in taken:
            i += 1
        base = order[0][h % len(order[0])]
        return f"{base.rsplit(' ', 1)[-1] if words == 1 else base}{i}"


__all__ = ["Pseudonymizer", "Pools", "generate_pools", "pieces", "read_pools", "load_pools", "keep_candidate",
           "GIVEN", "SURNAME", "AMBIGUOUS", "POOL_SOURCES"]
