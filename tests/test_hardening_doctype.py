"""A DOCTYPE with an internal subset in a body (issue 16, item 13) leaves no trace."""

from pathlib import Path

from conftest import Build, parse

POST = """---
title: Declarations
date: 2024-01-02 10:00:00 +0800
categories: notes
---

Before the declaration.

<!DOCTYPE x [ <!ENTITY a "b"> <!ENTITY c "d>e"> ]>

After the declaration.
"""


def test_doctype_internal_subset_disappears(build: Build, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "2024-01-02-declarations.md").write_text(POST, encoding="utf-8")
    result = build("--source", source, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    for name in ("atom.xml", "rss.xml"):
        (entry,) = parse(tmp_path / "out" / name).entries
        content = entry.content[0].value
        assert "Before the declaration." in content and "After the declaration." in content
        for trace in ("]", "&gt;", ">e", "ENTITY", "DOCTYPE"):
            assert trace not in content.replace("</p>", "").replace("<p>", ""), content
