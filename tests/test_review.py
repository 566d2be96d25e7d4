"""`spacy-rnn review`: the page for the example log (a mark per replacement, the counts of the mapping,
residual risks for planted identifiers, no originals unless asked, mode 600 with them), bad input,
same-file refusal, and the page as a real headless Chromium renders it."""
import json
import os
import re
import shutil
import stat
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from spacy_rnn.cli import build_parser
from spacy_rnn.review.page import COLORS
from spacy_rnn.review.scan import recorded_counts

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "chats.jsonl"
CONV = ("--conversation-field", "conversation_id")
# planted into the anonymized output: identifiers that no replacement covers
PLANTED_DIGITS = "48213377"
PLANTED_EMAIL = "ana.lopes@mail.pt"


def run(*argv) -> int:
    args = build_parser().parse_args([str(a) for a in argv])
    return args.func(args)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """The example log anonymized by the real command, with a digit run, an e-mail and an original
    name planted in one message of the output, and one line that is not JSON."""
    d = tmp_path_factory.mktemp("review")
    rc = run("anonymize", EXAMPLE, d / "out.jsonl", "--key-file", d / "k", "--create-key", "--mapping-file",
             d / "map.jsonl", *CONV, "--allow-errors", "--no-progress")
    assert rc == 0
    lines = (d / "out.jsonl").read_text(encoding="utf8").splitlines()
    mapping = [json.loads(line) for line in (d / "map.jsonl").read_text(encoding="utf8").splitlines()]
    record = json.loads(lines[2])  # c001, turn 3
    record["text"] += f" Ref {PLANTED_DIGITS}, write to {PLANTED_EMAIL}. Bye, {leaked(mapping)}!"
    lines[2] = json.dumps(record, ensure_ascii=False)
    lines.insert(5, "{this is not json")
    (d / "planted.jsonl").write_text("\n".join(lines) + "\n", encoding="utf8")
    return d, mapping


def leaked(mapping) -> str:
    """An original name of conversation c001, planted in its output as a missed replacement."""
    return next(n["original"] for n in mapping[0]["names"] if n["original"].istitle())


class Page(HTMLParser):
    """The parts of the page the tests read: marks by type, count chips, risk rows, not-shown rows."""

    def __init__(self, text: str):
        super().__init__()
        self.marks, self.titles, self.counts, self.risks, self.not_shown = Counter(), [], {}, [], []
        self._chip, self._row, self._cells = None, None, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        cls = a.get("class") or ""
        if tag == "mark" and "replacement" in cls.split():
            self.marks[a["data-label"]] += 1
            if "title" in a:
                self.titles.append(a["title"])
        elif tag == "div" and "count" in cls.split():
            self._chip = a["data-label"]
        elif tag == "tr" and cls in ("risk", "not-shown"):
            self._row, self._cells = (cls, a.get("data-kind")), []

    def handle_data(self, data):
        if self._chip and data.strip().replace(",", "").isdigit():
            self.counts[self._chip] = int(data.strip().replace(",", ""))
            self._chip = None
        if self._row:
            self._cells.append(data)

    def handle_endtag(self, tag):
        if tag == "tr" and self._row:
            (self.risks if self._row[0] == "risk" else self.not_shown).append((self._row[1], "".join(self._cells)))
            self._row = None


def review(d, *extra, inp="planted.jsonl", out="review.html"):
    rc = run("review", d / inp, "--mapping-file", d / "map.jsonl", "--output", d / out, *CONV, "--no-progress",
             *extra)
    return rc, d / out


def test_page_marks_every_replacement_and_counts_the_mapping(data):
    d, mapping = data
    rc, out = review(d, "--sample", 100)
    assert rc == 0
    text = out.read_text(encoding="utf8")
    page = Page(text)
    totals = recorded_counts(mapping)
    assert totals["PERSON"] > 30 and sum(totals.values()) == sum(page.marks.values())
    assert page.marks == totals  # every conversation is sampled: one mark per recorded replacement
    assert {k: v for k, v in page.counts.items() if v} == dict(totals)
    assert set(page.counts) >= {"PERSON", "EMAIL", "PHONE", "URL", "HANDLE", "IP", "CARD", "IBAN", "ID"}
    assert 'id="count-mismatch"' not in text
    assert "<script" not in text and "http://" not in text and "https://" not in text  # self-contained


def test_counts_are_over_the_whole_file_and_the_sample_is_seeded(data):
    d, mapping = data
    rc, out = review(d, "--sample", 2, "--seed", 7, out="small.html")
    assert rc == 0
    page = Page(out.read_text(encoding="utf8"))
    assert {k: v for k, v in page.counts.items() if v} == dict(recorded_counts(mapping))
    assert 0 < sum(page.marks.values()) < sum(recorded_counts(mapping).values())
    assert out.read_text(encoding="utf8").count('<div class="conv">') == 2
    _, again = review(d, "--sample", 2, "--seed", 7, out="again.html")
    assert again.read_text(encoding="utf8") == out.read_text(encoding="utf8")
    pages = {review(d, "--sample", 2, "--seed", s, out=f"s{s}.html")[1].read_text(encoding="utf8")
             for s in range(4)}
    assert len(pages) > 1  # the seed chooses the conversations


def test_planted_identifiers_are_residual_risks(data):
    d, _ = data
    rc, out = review(d, "--sample", 0)
    assert rc == 0
    page = Page(out.read_text(encoding="utf8"))
    kinds = {kind for kind, row in page.risks if "line 3" in row and "c001" in row}
    assert "EMAIL_SHAPE" in kinds and "DIGIT_RUN" in kinds
    assert any(kind == "DIGIT_RUN" and PLANTED_DIGITS in row for kind, row in page.risks)
    assert any(kind == "EMAIL_SHAPE" and PLANTED_EMAIL in row for kind, row in page.risks)
    # a replacement is never a risk: no pseudonym is listed
    assert not any("@maruska" in row.lower() for _, row in page.risks if _ == "AT")
    # the line that is not JSON is listed, with its line number, as not shown
    assert page.not_shown and "line 6" in page.not_shown[0][1] and "invalid JSON" in page.not_shown[0][1]


def test_an_original_left_in_the_output_is_listed_but_not_quoted(data):
    d, mapping = data
    name = leaked(mapping)
    _, out = review(d, "--sample", 100, out="leak.html")
    text = out.read_text(encoding="utf8")
    rows = [row for kind, row in Page(text).risks if kind == "ORIGINAL_LEFT"]
    assert len(rows) == 1 and "line 3" in rows[0] and "c001" in rows[0] and "Bye, " + "█" * len(name) in rows[0]
    assert not re.search(r"(?<!\w)" + name + r"(?!\w)", text)
    _, out = review(d, "--sample", 100, "--show-originals", out="leak_shown.html")
    rows = [row for kind, row in Page(out.read_text(encoding="utf8")).risks if kind == "ORIGINAL_LEFT"]
    assert len(rows) == 1 and f"Bye, {name}!" in rows[0]


def test_name_scores_near_the_threshold_are_listed(data):
    d, _ = data
    _, out = review(d, "--sample", 0, "--margin", 0.3)
    rows = [row for kind, row in Page(out.read_text(encoding="utf8")).risks if kind == "NAME_SCORE"]
    assert rows and all("P(name)" in row for row in rows)
    _, out = review(d, "--sample", 0, "--margin", 0, out="nonames.html")
    assert not [k for k, _ in Page(out.read_text(encoding="utf8")).risks if k == "NAME_SCORE"]


def _originals(mapping):
    return {item["original"] for e in mapping for item in e["names"] + e.get("identifiers", [])}


def test_originals_only_with_show_originals_and_mode_600(data):
    d, mapping = data
    old = os.umask(0o022)
    try:
        rc, out = review(d, "--sample", 100, out="plain.html")
        assert rc == 0
        text = out.read_text(encoding="utf8")
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
        originals = _originals(mapping)
        assert len(originals) > 20
        shown = [o for o in originals if re.search(r"(?<!\w)" + re.escape(o) + r"(?!\w)", text)]
        assert shown == []
        assert not Page(text).titles

        rc, out = review(d, "--sample", 100, "--show-originals", out="secret.html")
        assert rc == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        titles = Page(out.read_text(encoding="utf8")).titles
        assert {t.removeprefix("original: ") for t in titles} >= {o for o in originals if " " not in o}
        # rewriting a plain page with originals makes it private too (a new file, not a chmod)
        rc, out = review(d, "--sample", 1, "--show-originals", out="plain.html")
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    finally:
        os.umask(old)


def _one_coded_line(capsys, code):
    err = capsys.readouterr().err.strip()
    assert f"[RNN-{code}]" in err and len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_bad_input_gets_one_coded_line(data, capsys, tmp_path):
    d, mapping = data
    args = ("--output", tmp_path / "r.html", "--no-progress")
    assert run("review", tmp_path / "missing.jsonl", "--mapping-file", d / "map.jsonl", *CONV, *args) == 2
    _one_coded_line(capsys, "E307")
    assert run("review", d / "out.jsonl", "--mapping-file", tmp_path / "none.jsonl", *CONV, *args) == 2
    _one_coded_line(capsys, "E306")
    bad = tmp_path / "bad_map.jsonl"
    secret = mapping[0]["names"][0]["original"]
    bad.write_text(json.dumps(mapping[0]) + "\n" + '{"conversation": "c9", "names": [{"original": "' + secret
                   + '"}]}\n', encoding="utf8")
    assert run("review", d / "out.jsonl", "--mapping-file", bad, *CONV, *args) == 2
    err = _one_coded_line(capsys, "E310")
    assert "line 2" in err and secret not in err
    assert run("review", d / "out.jsonl", "--mapping-file", d / "map.jsonl", *args) == 2  # keyed by conversation
    _one_coded_line(capsys, "E311")
    assert run("review", d / "out.jsonl", "--mapping-file", d / "map.jsonl", *CONV, "--sample", -1, *args) == 2
    _one_coded_line(capsys, "E350")
    assert run("review", d / "out.jsonl", "--mapping-file", d / "map.jsonl", *CONV, "--margin", 1.5, *args) == 2
    _one_coded_line(capsys, "E350")
    assert not (tmp_path / "r.html").exists()


def test_refuses_to_write_over_the_input_or_the_mapping(data, capsys, tmp_path):
    d, _ = data
    inp, mapping = tmp_path / "in.jsonl", tmp_path / "map.jsonl"
    shutil.copy(d / "out.jsonl", inp)
    shutil.copy(d / "map.jsonl", mapping)
    before = inp.read_bytes(), mapping.read_bytes()
    (tmp_path / "link.html").symlink_to(mapping)
    for target in (inp, mapping, tmp_path / "link.html"):
        assert run("review", inp, "--mapping-file", mapping, "--output", target, *CONV) == 2
        _one_coded_line(capsys, "E321")
    assert (inp.read_bytes(), mapping.read_bytes()) == before


CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and os.path.exists(p)), None)
WIDTH, HEIGHT = 1200, 1600


def _chromium(page: Path, profile: Path, *mode) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                           "--disable-background-networking", "--disable-component-update", "--disable-sync",
                           f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *mode,
                           page.resolve().as_uri()], capture_output=True, text=True, timeout=120)


def _near(rgb, hex_color, tol=6):
    target = tuple(int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return all(abs(a - b) <= tol for a, b in zip(rgb, target))


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium binary (Debian: apt-get install chromium)")
def test_page_in_headless_chromium(data, tmp_path):
    from PIL import Image

    d, mapping = data
    rc, out = review(d, "--sample", 3)
    assert rc == 0
    shot = tmp_path / "shot.png"
    proc = _chromium(out, tmp_path / "profile", f"--screenshot={shot}")
    assert shot.exists(), proc.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(shot) as img:
        assert img.size == (WIDTH, HEIGHT)
        rgb, counts = np.unique(np.asarray(img.convert("RGB")).reshape(-1, 3), axis=0, return_counts=True)
    colors = {tuple(int(c) for c in color): int(n) for color, n in zip(rgb, counts)}
    assert len(colors) > 50  # not blank
    # the count chips and the marks of the types present are painted in their colours, the risks in red
    painted = [label for label, n in Page(out.read_text(encoding="utf8")).counts.items() if n] + ["RISK"]
    assert len(painted) >= 2
    for label in painted:
        assert sum(n for rgb, n in colors.items() if _near(rgb, COLORS[label])) > 200, label

    proc = _chromium(out, tmp_path / "profile2", "--dump-dom")
    dom = Page(proc.stdout)
    assert sum(dom.marks.values()) > 0 and dom.marks == Page(out.read_text(encoding="utf8")).marks
    assert dom.counts["PERSON"] == recorded_counts(mapping)["PERSON"]
    assert any(kind == "EMAIL_SHAPE" for kind, _ in dom.risks)


def test_records_without_conversation_ids(tmp_path, capsys):
    """Without --conversation-field each record is its own conversation, keyed by its number."""
    assert run("anonymize", EXAMPLE, tmp_path / "out.jsonl", "--key-file", tmp_path / "k", "--create-key",
               "--mapping-file", tmp_path / "map.jsonl", "--allow-errors", "--no-progress") == 0
    mapping = [json.loads(line) for line in (tmp_path / "map.jsonl").read_text(encoding="utf8").splitlines()]
    assert all("record" in e for e in mapping)
    out = tmp_path / "r.html"
    assert run("review", tmp_path / "out.jsonl", "--mapping-file", tmp_path / "map.jsonl", "--output", out,
               "--sample", 100, "--no-progress") == 0
    page = Page(out.read_text(encoding="utf8"))
    assert page.marks == recorded_counts(mapping) and "Conversation record 1<" in out.read_text(encoding="utf8")
    capsys.readouterr()
    assert run("review", tmp_path / "out.jsonl", "--mapping-file", tmp_path / "map.jsonl", "--output", out,
               *CONV) == 2
    _one_coded_line(capsys, "E352")


def test_empty_file(tmp_path):
    (tmp_path / "empty.jsonl").write_text("", encoding="utf8")
    (tmp_path / "map.jsonl").write_text("", encoding="utf8")
    out = tmp_path / "r.html"
    assert run("review", tmp_path / "empty.jsonl", "--mapping-file", tmp_path / "map.jsonl", "--output", out) == 0
    text = out.read_text(encoding="utf8")
    assert "0 records read" in text and "None found." in text


def test_markup_in_the_records_is_text(tmp_path):
    evil = '<img src=x onerror="alert(1)"> </div><script>alert(2)</script> 12345678'
    (tmp_path / "in.jsonl").write_text(json.dumps({"conversation_id": "<b>c1</b>", "text": evil}) + "\n"
                                       + '{"text": <script>}\n', encoding="utf8")
    (tmp_path / "map.jsonl").write_text("", encoding="utf8")
    out = tmp_path / "r.html"
    assert run("review", tmp_path / "in.jsonl", "--mapping-file", tmp_path / "map.jsonl", "--output", out,
               *CONV, "--no-progress") == 0
    text = out.read_text(encoding="utf8")
    assert "<img" not in text and "<script" not in text and "<b>c1" not in text
    assert "&lt;img" in text and "&lt;b&gt;c1&lt;/b&gt;" in text
