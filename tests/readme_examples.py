"""Run a Python example of the README and check the outputs its comments show."""
import ast
import math
import re
from pathlib import Path
from typing import Any, List, Tuple

README = Path(__file__).resolve().parent.parent / "README.md"


def example(section: str) -> str:
    """The first ```python block after the heading ``section`` (e.g. "## `next_token_scorer`")."""
    text = README.read_text(encoding="utf8")
    start = text.index(section + "\n")
    m = re.compile(r"```python\n(.*?)```", re.S).search(text, start)
    return m.group(1)


def _shown(comment: str) -> Tuple[bool, Any]:
    """The Python literal a comment starts with ("[['anna']]: Docs untouched" -> [['anna']])."""
    comment = comment.strip()
    for end in range(len(comment), 0, -1):
        try:
            return True, ast.literal_eval(comment[:end])
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            continue
    return False, None


def _close(got: Any, want: Any) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):
        decimals = len(repr(want).split(".")[1]) if "." in repr(want) else 0
        return math.isclose(got, want, abs_tol=0.5 * 10 ** -decimals + 1e-9)
    if isinstance(want, (list, tuple)) and isinstance(got, (list, tuple)):
        return len(got) == len(want) and all(_close(g, w) for g, w in zip(got, want))
    return got == want


def check(code: str) -> List[str]:
    """Run ``code`` line by line; each expression whose comment (on its line, or the next line
    alone) shows a literal must give it. Returns the checked expressions."""
    namespace: dict = {}
    lines = _without_with_blocks(code.splitlines())
    checked = []
    for i, line in enumerate(lines):
        stmt, _, comment = line.partition("  #")
        if not stmt.strip() or line.lstrip().startswith("#"):
            continue
        ok, want = _shown(comment) if comment else (False, None)
        if not ok and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#"):
            ok, want = _shown(lines[i + 1].lstrip()[1:])
        try:
            tree = ast.parse(stmt.strip(), mode="eval")
        except SyntaxError:
            exec(stmt.strip(), namespace)
            continue
        got = eval(compile(tree, "<README>", "eval"), namespace)
        if ok:
            assert _close(got, want), f"README: {stmt.strip()} gives {got!r}, the comment shows {want!r}"
            checked.append(stmt.strip())
    return checked


_WITH = re.compile(r"^(\s*)with (.+?)(?: as (\w+))?:\s*(?:#.*)?$")


def _without_with_blocks(lines: List[str]) -> List[str]:
    """The lines with each ``with X:`` block unrolled into ``X.__enter__()``, its body, then
    ``__exit__``, so that the body's lines run (and are checked) one by one."""
    out: List[str] = []
    open_blocks: List[Tuple[int, str]] = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        code_line = line.strip() and not line.lstrip().startswith("#")
        while open_blocks and code_line and indent <= open_blocks[-1][0]:
            out.append(f"{open_blocks.pop()[1]}.__exit__(None, None, None)")
        m = _WITH.match(line)
        if m:
            manager = f"_manager{len(open_blocks)}"
            out += [f"{manager} = {m.group(2)}", f"{m.group(3) or '_entered'} = {manager}.__enter__()"]
            open_blocks.append((indent, manager))
            continue
        out.append(line)
    out += [f"{manager}.__exit__(None, None, None)" for _, manager in reversed(open_blocks)]
    return out
