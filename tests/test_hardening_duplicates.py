"""The combined feed folds copies of one article, never two articles that share a title
and a date (issue 16, item 7)."""

from pathlib import Path

from test_bad_posts import problems
from test_incremental import outputs

from conftest import Build, parse


def post(category: str, body: str, extra: str = "") -> str:
    return (
        f"---\ntitle: Daily market wrap\ndate: 2024-01-02 18:00:00 +0800\n"
        f"categories: {category}\n{extra}---\n\n{body}\n"
    )


def site(tmp_path: Path, files: dict[str, str]) -> Path:
    source = tmp_path / "source"
    source.mkdir()
    for name, text in files.items():
        (source / name).write_text(text, encoding="utf-8")
    return source


def contents(out: Path, feed: str) -> list[str]:
    return sorted(e.content[0].value for e in parse(out / feed).entries)


def test_two_articles_with_one_title_and_date_both_appear(build: Build, tmp_path: Path) -> None:
    source = site(
        tmp_path,
        {
            "2024-01-02-stocks-wrap.md": post("stocks", "Stocks rose on bank earnings."),
            "2024-01-02-bonds-wrap.md": post("bonds", "Bond yields fell after the auction."),
        },
    )
    out = tmp_path / "out"
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0 and not problems(result.stderr), result.stderr
    for feed in ("atom.xml", "rss.xml"):
        both = contents(out, feed)
        assert len(both) == 2
        assert "Bond yields fell" in both[0] and "Stocks rose" in both[1]
    assert len(parse(out / "stocks/atom.xml").entries) == 1
    assert len(parse(out / "bonds/atom.xml").entries) == 1


def test_one_article_under_one_original_url_appears_once(build: Build, tmp_path: Path) -> None:
    original = "source_url: https://news.example/2024/01/02/wrap\n"
    source = site(
        tmp_path,
        {
            "2024-01-02-wrap.md": post("wire", "Stocks rose on bank earnings.", original),
            "2024-01-02-wrap-copy.md": post(
                "outlet", "Stocks rose on bank earnings, analysts said.", original
            ),
        },
    )
    out = tmp_path / "out"
    assert build("--source", source, "--out", out).exit_code == 0
    assert len(parse(out / "atom.xml").entries) == 1
    assert len(parse(out / "rss.xml").entries) == 1
    assert len(parse(out / "wire/atom.xml").entries) == 1
    assert len(parse(out / "outlet/atom.xml").entries) == 1


def test_one_article_copied_whole_appears_once(build: Build, tmp_path: Path) -> None:
    source = site(
        tmp_path,
        {
            "2024-01-02-wrap.md": post("wire", "Stocks rose on bank earnings."),
            "2024-01-02-wrap-copy.md": post("outlet", "Stocks rose on bank earnings."),
        },
    )
    out = tmp_path / "out"
    assert build("--source", source, "--out", out).exit_code == 0
    assert len(parse(out / "atom.xml").entries) == 1


def test_a_rebuild_folds_as_a_cold_build_does(build: Build, tmp_path: Path) -> None:
    source = site(
        tmp_path,
        {
            "2024-01-02-stocks-wrap.md": post("stocks", "Stocks rose on bank earnings."),
            "2024-01-02-bonds-wrap.md": post("bonds", "Bond yields fell after the auction."),
            "2024-01-02-wrap-copy.md": post("outlet", "Stocks rose on bank earnings."),
        },
    )
    out = tmp_path / "out"
    assert build("--source", source, "--out", out).exit_code == 0
    (source / "2024-01-01-other.md").write_text(
        "---\ntitle: Other\ndate: 2024-01-01\ncategories: other\n---\n\nOther news.\n",
        encoding="utf-8",
    )
    assert build("--source", source, "--out", out).exit_code == 0
    assert build("--source", source, "--out", tmp_path / "cold").exit_code == 0
    assert outputs(out) == outputs(tmp_path / "cold")
    assert len(parse(out / "atom.xml").entries) == 3
