"""Fetch per-locale given-name lists from the PyPI wheel Faker==40.63.0 (MIT) into assets/.

Training data for the name generator only (Faker is not a runtime dependency):
the wheel is downloaded with ``pip download --no-deps`` (PyPI is the only host
contacted), its sha256 is checked, and the person providers are imported
straight from the zip (it is pure Python) to read their ``first_names``
(romanized where the locale has them). Writes
``assets/given_names/faker-40.63.0.json``: ``{locale: [name, ...]}``. Idempotent.

    python scripts/fetch_given_names.py assets
"""
import importlib
import json
import sys
from pathlib import Path

from fetch_nlpia2 import download_wheel

VERSION = "40.63.0"
WHEEL = f"faker-{VERSION}-py3-none-any.whl"
SHA256 = "36627c20b575b4138f54b6c21f8703e9ab122fd487aca11319beec2aa6ca7232"
# every locale the name generator's locale table (scripts/train_name_generator.py) uses
LOCALES = (
    "ru_RU", "uk_UA", "en_GB", "en_US", "en_IE", "ga_IE", "en_IN", "en_NG", "yo_NG", "ig_NG", "ha_NG",
    "zu_ZA", "nl_NL", "id_ID", "fi_FI", "pt_BR", "pt_PT", "es_ES", "es_MX", "es_CL", "es_CO", "es_AR",
    "fr_DZ", "fr_FR", "ja_JP", "zh_CN", "zh_TW", "ko_KR", "vi_VN", "it_IT", "de_DE", "de_AT", "cs_CZ",
    "el_GR", "pl_PL",
)


def first_names(provider) -> list:
    for attrs in (("first_romanized_names",),
                  ("first_names_male", "first_names_female", "first_names_unisex"), ("first_names",)):
        names = set()
        for attr in attrs:
            value = getattr(provider, attr, None)
            if value and not isinstance(value, property):
                names.update(str(n) for n in value)
        if names:
            return sorted(names)
    return []


def main(assets: str = "assets") -> None:
    assets_dir = Path(assets)
    out = assets_dir / "given_names" / f"faker-{VERSION}.json"
    if out.exists():
        print(f"✔ given names already in {out}")
        return
    wheel = download_wheel(f"faker=={VERSION}", WHEEL, SHA256, assets_dir)
    sys.path.insert(0, str(wheel.resolve()))
    table = {}
    for loc in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        table[loc] = first_names(provider)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(table, ensure_ascii=False, indent=0))
    print(f"✔ {sum(map(len, table.values()))} given names from {len(table)} Faker locales -> {out}")


if __name__ == "__main__":
    main(*sys.argv[1:])
