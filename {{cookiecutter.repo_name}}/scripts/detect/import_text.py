# Do not edit: the template owns this file (make template-update brings its changes).
"""The import statements of a Python file, cut out of its text so ``ast`` parses only them.

Why: change detection reads thousands of pipeline modules, and ``ast.parse`` of a whole file
costs ten to twenty times more than parsing its few import lines (the template's benchmark).
The cut is exact or refused, never approximate: ``import_statements`` returns None, and the
caller parses the whole file, whenever the text is unusual enough that a line-based cut could
miss or misread an import:

- an import statement starts a logical line (``import x`` or ``from x import y``, at any
  indentation, so imports in functions and ``if TYPE_CHECKING:`` blocks count), continued over
  parentheses and backslashes;
- lines inside triple-quoted strings (docstrings) are not code; the strings are found by pairing
  the delimiters, and a delimiter after a quote or ``#`` on its line (so possibly inside another
  string or a comment) refuses the cut;
- every other occurrence of the word ``import`` must be in a comment or a triple-quoted string;
  anything else (``x = 1; import y``, ``if c: import y``, ``"import"`` in a string) refuses it;
- the statements that were cut must parse; if not, the cut is refused.
"""

from __future__ import annotations

import bisect
import re

IMPORT_START = re.compile(rb"^[ \t]*(?:import|from)[ \t]", re.MULTILINE)
IMPORT_WORD = re.compile(rb"\bimport\b")
TRIPLE_QUOTE = re.compile(rb"\"\"\"|'''")

Spans = list[tuple[int, int]]


def import_statements(source: bytes) -> bytes | None:
    """The file's import statements, one logical line each, dedented; None: parse it all."""
    strings = _triple_quoted_spans(source)
    if strings is None:
        return None
    fragments: list[bytes] = []
    covered: Spans = []
    for match in IMPORT_START.finditer(source):
        start = match.start()
        if _inside(start, strings) or (covered and start < covered[-1][1]):
            continue  # in a docstring, or a continuation line of the previous import
        end = _logical_line_end(source, match.end())
        if end is None:
            return None
        fragments.append(source[start:end].lstrip())
        covered.append((start, end))
    for match in IMPORT_WORD.finditer(source):
        position = match.start()
        if _inside(position, covered) or _inside(position, strings):
            continue
        if not _in_comment(source, position):
            return None
    return b"\n".join(fragments) + b"\n"


def _triple_quoted_spans(source: bytes) -> Spans | None:
    if b'"""' not in source and b"'''" not in source:
        return []
    spans: Spans = []
    position = 0
    while True:
        opening = TRIPLE_QUOTE.search(source, position)
        if opening is None:
            return spans
        line_start = source.rfind(b"\n", 0, opening.start()) + 1
        before = source[line_start : opening.start()]
        if b"#" in before or b'"' in before or b"'" in before:
            return None  # perhaps inside a comment or another string: do not guess
        close = source.find(opening.group(), opening.end())
        while close != -1 and _escaped(source, close):
            close = source.find(opening.group(), close + 1)
        if close == -1:
            return None
        spans.append((opening.start(), close + 3))
        position = close + 3


def _escaped(source: bytes, position: int) -> bool:
    backslashes = 0
    while position - backslashes - 1 >= 0 and source[position - backslashes - 1] == 0x5C:
        backslashes += 1
    return backslashes % 2 == 1


def _logical_line_end(source: bytes, position: int) -> int | None:
    """Where the statement starting before ``position`` ends (import statements hold no
    strings, so parentheses and a trailing backslash decide; ``#`` starts a comment)."""
    depth = 0
    while True:
        newline = source.find(b"\n", position)
        line_end = len(source) if newline == -1 else newline
        code = source[position:line_end].split(b"#", 1)[0]
        depth += code.count(b"(") - code.count(b")")
        if depth <= 0 and not code.rstrip().endswith(b"\\"):
            return line_end
        if newline == -1:
            return None
        position = newline + 1


def _inside(position: int, spans: Spans) -> bool:
    index = bisect.bisect_right(spans, (position, float("inf"))) - 1
    return index >= 0 and spans[index][0] <= position < spans[index][1]


def _in_comment(source: bytes, position: int) -> bool:
    """Whether ``position`` follows a ``#`` that starts a comment (no quote before it)."""
    line_start = source.rfind(b"\n", 0, position) + 1
    before = source[line_start:position]
    hash_at = before.find(b"#")
    return hash_at != -1 and b'"' not in before[:hash_at] and b"'" not in before[:hash_at]
