"""The review page: one self-contained HTML file (inline CSS, no scripts, nothing fetched) that a
person scans before publishing. The header gives the counts per type over the whole file, then come
the residual risks, the records that cannot be shown, and the sampled conversations with every
replacement marked by displaCy in its type's colour.

Original values appear only when ``show_originals`` is set, as the tooltip (``title``) of each mark."""
import html
from typing import Any, Dict, List

from spacy import displacy

from .risks import KINDS
from .scan import LABELS, Message, Review, RiskItem

# one colour per replacement type; RISK marks a residual risk inside the sampled messages
COLORS: Dict[str, str] = {
    "PERSON": "#aa9cfc", "EMAIL": "#7aecec", "PHONE": "#feca74", "URL": "#bfeeb7", "HANDLE": "#ff9561",
    "IP": "#c887fb", "CARD": "#ffeb80", "IBAN": "#9cc9cc", "ID": "#e4e7d2", "RISK": "#ff5c5c",
}
RISK_LABEL = "RISK"

# displaCy's entity template with a class, the type as a data attribute and an optional tooltip
# (``params`` of each span fill the extra fields)
TPL_MARK = """<mark class="entity {cls}" data-label="{label}"{title} style="background: {bg}; padding: 0.3em 0.5em; \
margin: 0 0.2em; line-height: 1; border-radius: 0.35em;">{text}<span style="font-size: 0.7em; font-weight: bold; \
line-height: 1; vertical-align: middle; margin-left: 0.4rem">{label}</span></mark>"""

CSS = """
body { font: 15px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 1.5rem 2rem; color: #222; }
h1 { font-size: 1.5rem; margin: 0 0 0.3rem; } h2 { font-size: 1.15rem; margin: 1.8rem 0 0.5rem;
  border-bottom: 2px solid #ddd; padding-bottom: 0.2rem; } h3 { font-size: 1rem; margin: 1.1rem 0 0.3rem; }
.meta { color: #555; margin: 0.2rem 0; }
.warn { background: #fff3cd; border-left: 4px solid #e0a800; padding: 0.4rem 0.7rem; margin: 0.5rem 0; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.6rem 0; }
.count { border-radius: 0.4rem; padding: 0.35rem 0.75rem; min-width: 5.5rem; }
.count b { display: block; font-size: 1.35rem; } .count.zero { opacity: 0.45; }
table { border-collapse: collapse; width: 100%; margin: 0.3rem 0 0.8rem; }
th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid #eee; vertical-align: top; }
th { background: #f5f5f5; font-weight: 600; } td.n { white-space: nowrap; color: #555; width: 1%; }
mark.risk-token { background: #ffd0d0; outline: 2px solid #ff5c5c; border-radius: 0.2rem; padding: 0 0.15rem; }
.ctx { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em; white-space: pre-wrap; }
.none { color: #2e7d32; }
.conv { border: 1px solid #e3e3e3; border-radius: 0.5rem; margin: 0.8rem 0; padding: 0.3rem 0.9rem 0.6rem; }
.msg { display: grid; grid-template-columns: 9rem 1fr; gap: 0.6rem; border-top: 1px solid #f0f0f0; }
.msg:first-of-type { border-top: none; } .where { color: #777; font-size: 0.85em; padding-top: 0.75rem; }
.entities { line-height: 2.3 !important; }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _n(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _chip(label: str, n: int) -> str:
    zero = " zero" if not n else ""
    return (f'<div class="count{zero}" data-label="{label}" style="background: {COLORS[label]}">{label}'
            f'<b>{n:,}</b></div>')


def _header(rv: Review, source: str, sample: int, seed: int, show_originals: bool) -> List[str]:
    total = sum(rv.found.values())
    originals = "shown as the tooltip of each mark" if show_originals else "not shown"
    out = [f"<h1>Review of {_e(source)}</h1>",
           f'<p class="meta">{_n(rv.n_records + len(rv.not_shown), "record")} read: {rv.n_records:,} reviewed '
           f'({_n(rv.n_texts, "text")}, {_n(len(rv.conversations), "conversation")}), {len(rv.not_shown):,} not '
           f'shown. {_n(total, "replacement")}; {_n(sum(rv.risk_counts.values()), "residual risk")}.</p>',
           f'<p class="meta">Sample: {_n(min(sample, len(rv.conversations)), "conversation")}, seed {seed}. '
           f"Original values are {originals}.</p>",
           "<h2>Replacements per type (whole file)</h2>", '<div class="counts" id="counts">']
    out += [_chip(label, rv.found.get(label, 0)) for label in LABELS]
    out += [_chip(label, n) for label, n in sorted(rv.found.items()) if label not in LABELS and label in COLORS]
    out.append("</div>")
    differ = sorted(label for label in set(rv.found) | set(rv.recorded) if rv.found[label] != rv.recorded[label])
    if differ:
        what = ", ".join(f"{label} {rv.found[label]:,} found / {rv.recorded[label]:,} recorded" for label in differ)
        out.append(f'<p class="warn" id="count-mismatch">The file and the mapping file disagree: {_e(what)}. '
                   "Was the file edited after anonymize, or is this the mapping of another run?</p>")
    if rv.unmatched_entries:
        out.append(f'<p class="warn">{rv.unmatched_entries:,} mapping lines name a conversation (or record) '
                   "that is not in the file.</p>")
    return out


def _risk_row(item: RiskItem) -> str:
    score = f" <small>P(name) {item.score:.2f}</small>" if item.score is not None else ""
    return (f'<tr class="risk" data-kind="{item.kind}"><td class="n">line {item.line}</td>'
            f'<td class="n">{_e(item.conversation)}</td><td class="n">{_e(item.location)}</td>'
            f'<td class="ctx">{_e(item.before)}<mark class="risk-token">{_e(item.token)}</mark>'
            f'{_e(item.after)}{score}</td></tr>')


def _risks(rv: Review) -> List[str]:
    out = ['<h2 id="risks">Residual risks</h2>',
           '<p class="meta">Left in the output, not replacements, shaped like identifiers: check each one.</p>']
    if not sum(rv.risk_counts.values()):
        return out + ['<p class="none">None found.</p>']
    for kind, words in KINDS.items():
        n = rv.risk_counts.get(kind, 0)
        if not n:
            continue
        if kind == "NAME_SCORE" and rv.name_threshold is not None:
            words += f" (P(name) ≥ {rv.name_floor:.2f}; threshold {rv.name_threshold:.2f})"
        items = rv.risks[kind]
        more = f", the first {len(items):,} shown" if len(items) < n else ""
        out.append(f"<h3>{_e(words)}: {n:,}{more}</h3>")
        out.append('<table><tr><th>record</th><th>conversation</th><th>field</th><th>context</th></tr>')
        out += [_risk_row(item) for item in items]
        out.append("</table>")
    return out


def _not_shown(rv: Review) -> List[str]:
    if not rv.not_shown:
        return []
    out = [f'<h2 id="not-shown">Not shown: {_n(len(rv.not_shown), "record")} that cannot be read</h2>',
           '<table><tr><th>record</th><th>why</th></tr>']
    out += [f'<tr class="not-shown"><td class="n">line {line}</td><td>{_e(reason)}</td></tr>'
            for line, reason in rv.not_shown]
    return out + ["</table>"]


def render_message(m: Message, show_originals: bool) -> str:
    """One text with its replacements (and residual risks) marked by displaCy."""
    spans = [{"start": s, "end": e, "label": label,
              "params": {"cls": "replacement",
                         "title": f' title="{_e("original: " + original)}"' if show_originals else ""}}
             for s, e, label, original in m.marks]
    spans += [{"start": r.start, "end": r.end, "label": RISK_LABEL,
               "params": {"cls": "risk", "title": f' title="{_e(KINDS[r.kind])}"'}} for r in m.risks]
    spans.sort(key=lambda sp: sp["start"])
    options = {"colors": COLORS, "ents": list(COLORS), "template": TPL_MARK}
    return displacy.render({"text": m.text, "ents": spans, "title": None}, style="ent", manual=True, page=False,
                           jupyter=False, options=options)


def _sample(rv: Review, show_originals: bool) -> List[str]:
    out = [f'<h2 id="sample">Sample: {_n(len({m.scope for m in rv.sample}), "conversation")}</h2>']
    current: Any = None
    for m in rv.sample:
        if current is None or m.scope != current:
            if current is not None:
                out.append("</div>")
            out.append(f'<div class="conv"><h3>Conversation {_e(m.conversation)}</h3>')
            current = m.scope
        out.append(f'<div class="msg"><div class="where">line {m.line}<br>{_e(m.location)}</div>'
                   f'<div>{render_message(m, show_originals)}</div></div>')
    if current is not None:
        out.append("</div>")
    return out


def render_page(rv: Review, source: str, sample: int, seed: int, show_originals: bool) -> str:
    """The whole page as one HTML string."""
    body = _header(rv, source, sample, seed, show_originals) + _risks(rv) + _not_shown(rv) + \
        _sample(rv, show_originals)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Review of {_e(source)}</title><style>{CSS}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")


__all__ = ["COLORS", "render_page", "render_message"]
