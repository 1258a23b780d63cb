"""The one report model and its renderers: the same document as text and as Markdown."""

from __future__ import annotations

from scripts.core.report import (
    Bullets,
    Code,
    Document,
    Link,
    Strong,
    Table,
    code_span,
    emit,
    joined,
    render_markdown,
    render_text,
)

DOCUMENT = Document(
    ("publish to ", Code("dev")),
    (
        ("version ", Code("main-1a2b3c4d"), " on https://kfp.example.com"),
        Table(
            ("Pipeline", "Status", "Link"),
            (
                (Code("p/train"), Strong("failed"), "boom | bang"),
                (Code("p/score"), "created", Link("https://kfp.example.com/#/x")),
            ),
        ),
        Bullets("2 pipelines affected:", (("p/train", ("a.py changed",)), ("p/score", ()))),
        joined([Code("a"), Code("b")]),
    ),
)


def test_text_leaves_out_the_heading_and_aligns_tables_with_upper_case_headers():
    assert render_text(DOCUMENT).splitlines() == [
        "version main-1a2b3c4d on https://kfp.example.com",
        "PIPELINE  STATUS   LINK",
        "--------  -------  ---------------------------",
        "p/train   failed   boom | bang",
        "p/score   created  https://kfp.example.com/#/x",
        "2 pipelines affected:",
        "  p/train",
        "    - a.py changed",
        "  p/score",
        "a, b",
    ]


def test_markdown_has_the_heading_code_spans_links_and_escaped_cells():
    markdown = render_markdown(DOCUMENT)
    assert markdown.startswith("### publish to `dev`\n\n")
    assert "| `p/train` | **failed** | boom \\| bang |" in markdown
    assert "| `p/score` | created | [open](https://kfp.example.com/#/x) |" in markdown
    assert "- p/train\n  - a.py changed\n- p/score" in markdown
    assert markdown.endswith("`a`, `b`\n")


def test_a_code_span_cannot_be_closed_by_what_it_holds():
    assert code_span("a `b` ``c``") == "``` a `b` ``c`` ```"
    assert code_span("plain") == "`plain`"
    assert code_span("two\nlines") == "`two lines`"


class _Result:
    def to_json(self):
        return {"b": 1, "a": [1, 2]}

    def document(self):
        return Document("x", ("hello",))


def test_emit_prints_json_alone_or_the_text(capsys):
    emit(_Result(), "json")
    assert capsys.readouterr().out == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": 1\n}\n'
    emit(_Result(), "text")
    assert capsys.readouterr().out == "hello\n"
