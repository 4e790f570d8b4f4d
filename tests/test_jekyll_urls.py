"""An entry's link is the page Jekyll writes for the post (issue 21, item 1): permalinks
from `collections: posts: permalink:`, the global `permalink:`, front matter and the
`defaults:` scopes of _config.yml, with Jekyll's placeholders, named styles and baseurl."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result

from conftest import Build, feed_files, parse
from feeds.permalinks import slugify

POST = "---\ntitle: Table\ndate: 2024-01-03 10:20:30 +0000\n{front}---\nA body.\n"


def make_site(tmp_path: Path, config: str, posts: dict[str, str]) -> Path:
    site = tmp_path / "site"
    for relpath, front in posts.items():
        (site / relpath).parent.mkdir(parents=True, exist_ok=True)
        (site / relpath).write_text(POST.format(front=front), encoding="utf-8")
    (site / "_config.yml").write_text(
        "url: https://example.org\ntimezone: UTC\n" + config, encoding="utf-8"
    )
    return site


def run(build: Build, site: Path, out: Path) -> Result:
    """A build of the site with a feeds.toml that sets nothing: _config.yml says all."""
    config = site.parent / "feeds.toml"
    config.write_text("", encoding="utf-8")
    return build("--source", site, "--out", out, config=config)


def links(build: Build, site: Path, out: Path) -> dict[str, str]:
    result = run(build, site, out)
    assert result.exit_code == 0, result.stderr
    return {entry.title: entry.link for entry in parse(out / "atom.xml").entries}


def link(build: Build, tmp_path: Path, config: str, front: str = "") -> str:
    site = make_site(tmp_path, config, {"_posts/2024-01-03-table.md": front})
    return links(build, site, tmp_path / "out")["Table"]


def test_the_posts_collection_permalink_is_the_page_jekyll_writes(
    build: Build, tmp_path: Path
) -> None:
    """The table's first row: 101 of 101 posts of one site."""
    config = (
        "permalink: date\ncollections:\n  posts:\n    permalink: /news/:year/:month/:day/:title/\n"
    )
    assert link(build, tmp_path, config) == "https://example.org/news/2024/01/03/table/"


@pytest.mark.parametrize(
    ("style", "path"),
    [
        ("date", "/2024/01/03/table.html"),
        ("pretty", "/2024/01/03/table/"),
        ("ordinal", "/2024/003/table.html"),
        ("weekdate", "/2024/W01/Wed/table.html"),
        ("none", "/table.html"),
    ],
)
def test_named_styles(build: Build, tmp_path: Path, style: str, path: str) -> None:
    assert link(build, tmp_path, f"permalink: {style}\n") == "https://example.org" + path


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/:year/:i_month/:i_day/:title", "/2024/1/3/table.html"),  # Jekyll writes .html
        ("/:short_year/:month/:day/:hour:minute:second/", "/24/01/03/102030/"),
        ("/:y_day/:w_year-W:week-:w_day/:short_day/", "/003/2024-W01-3/Wed/"),
        (
            "/:short_month/:long_month/:long_day/:slug:output_ext",
            "/Jan/January/Wednesday/table.html",
        ),
        ("/:categories/:slugified_categories/:title/", "/a%20b/c/a-b/c/table/"),
        ("/:collection/:name/", "/posts/2024-01-03-table/"),
        ("/:year/:month_:day/:title/index.html", "/2024/01_03/table/index.html"),
        ("/:title.php", "/table.php.html"),
    ],
)
def test_placeholders(build: Build, tmp_path: Path, template: str, path: str) -> None:
    front = "categories: [A B, c]\n"
    assert link(build, tmp_path, f"permalink: {template}\n", front) == "https://example.org" + path


def test_front_matter_wins_over_defaults_and_defaults_over_the_collection(
    build: Build, tmp_path: Path
) -> None:
    config = """\
collections:
  posts:
    permalink: /c/:title/
defaults:
  - scope: {path: ""}
    values: {permalink: /any/:title/}
  - scope: {path: "_posts/news", type: posts}
    values: {permalink: /news/:title/}
  - scope: {path: "_posts/news"}
    values: {permalink: /untyped/:title/}
  - scope: {path: "_posts/*/deep", type: posts}
    values: {permalink: /deep/:title/}
  - scope: {type: pages}
    values: {permalink: /page/:title/}
"""
    site = make_site(
        tmp_path,
        config,
        {
            "_posts/2024-01-03-table.md": "",
            "_posts/news/2024-01-04-news.md": "title: News\n",
            "_posts/x/deep/2024-01-05-deep.md": "title: Deep\n",
            "_posts/2024-01-06-own.md": "title: Own\npermalink: /own/:year/:slug.html\n",
        },
    )
    got = links(build, site, tmp_path / "out")
    assert got == {
        "Table": "https://example.org/any/table/",
        "News": "https://example.org/news/news/",  # the typed scope of equal length wins
        "Deep": "https://example.org/deep/deep/",  # a glob matches within one folder name
        "Own": "https://example.org/own/2024/own.html",
    }


def test_a_front_matter_slug_names_the_page(build: Build, tmp_path: Path) -> None:
    config = "permalink: /:title/:slug/\n"
    assert link(build, tmp_path, config, "slug: Über Cool!\n") == (
        "https://example.org/%C3%9Cber-Cool!/%C3%BCber-cool/"
    )


def test_baseurl_is_part_of_every_link(build: Build, tmp_path: Path) -> None:
    config = "baseurl: /blog\npermalink: pretty\n"
    assert link(build, tmp_path, config) == "https://example.org/blog/2024/01/03/table/"


def test_an_unknown_placeholder_in_the_config_names_the_key(build: Build, tmp_path: Path) -> None:
    site = make_site(tmp_path, "permalink: /:yeer/:title/\n", {"_posts/2024-01-03-a.md": ""})
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 2
    assert "_config.yml" in result.stderr and "permalink" in result.stderr
    assert "unknown placeholder :yeer" in result.stderr


def test_an_unknown_placeholder_in_front_matter_costs_that_post_only(
    build: Build, tmp_path: Path
) -> None:
    site = make_site(
        tmp_path,
        "",
        {"_posts/2024-01-03-table.md": "", "_posts/2024-01-04-bad.md": "permalink: /:nope/\n"},
    )
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 3
    assert "_posts/2024-01-04-bad.md: front matter: 'permalink': unknown placeholder :nope" in (
        result.stderr
    )
    assert [e.link for e in parse(tmp_path / "out" / "atom.xml").entries] == [
        "https://example.org/2024/01/03/table.html"
    ]


def test_a_rebuild_after_the_permalink_changes_equals_a_cold_build(
    build: Build, tmp_path: Path
) -> None:
    site = make_site(tmp_path, "permalink: date\n", {"_posts/2024-01-03-table.md": ""})
    out = tmp_path / "out"
    assert links(build, site, out)["Table"].endswith("/2024/01/03/table.html")
    config = site / "_config.yml"
    config.write_text(
        config.read_text() + "collections:\n  posts:\n    permalink: /news/:title/\n",
        encoding="utf-8",
    )
    assert links(build, site, out)["Table"] == "https://example.org/news/table/"
    cold = tmp_path / "cold"
    links(build, site, cold)
    assert {p.relative_to(out): p.read_bytes() for p in feed_files(out)} == {
        p.relative_to(cold): p.read_bytes() for p in feed_files(cold)
    }
    shutil.rmtree(cold)


@pytest.mark.parametrize(
    ("text", "pretty", "slug"),
    [
        ("Hello, World!", False, "hello-world"),
        ("Hello, World!", True, "hello,-world!"),
        ("--a  b--", False, "a-b"),
        ("如何理解 document 对象", False, "如何理解-document-对象"),
        ("café_au_lait", False, "café-au-lait"),
    ],
)
def test_slugify_as_jekyll(text: str, pretty: bool, slug: str) -> None:
    assert slugify(text, pretty=pretty) == slug


BASE = "https://example.org/a%20b/%C3%A9"


def encoded_site(tmp_path: Path, body: str = "A body.") -> Path:
    """A site at `baseurl: "/a b/é"`, one post with an image and `body`."""
    site = make_site(tmp_path, 'baseurl: "/a b/é"\ntitle: T\n', {"_posts/2024-01-02-a.md": ""})
    front = "---\ntitle: A\ndate: 2024-01-02\nimage: /i m.png\n---\n"
    (site / "_posts" / "2024-01-02-a.md").write_text(front + body, encoding="utf-8")
    return site


def test_a_baseurl_with_spaces_and_non_ascii_is_percent_encoded_everywhere(
    build: Build, tmp_path: Path
) -> None:
    """Review of issues 19-21, finding 9: URLs as Jekyll's url filters write them, and as
    RSS and JSON Feed require: one address for the feed in ids, self links and links."""
    out = tmp_path / "out"
    result = run(build, encoded_site(tmp_path), out)
    assert result.exit_code == 0, result.stderr
    assert "image" not in result.stderr
    atom = parse(out / "atom.xml")
    assert atom.feed.id == f"{BASE}/atom.xml"
    assert {link.rel: link.href for link in atom.feed.links}["self"] == f"{BASE}/atom.xml"
    (entry,) = atom.entries
    assert entry.link == f"{BASE}/2024/01/02/a.html"
    assert entry.media_thumbnail[0]["url"] == f"{BASE}/i%20m.png"
    rss = parse(out / "rss.xml")
    assert rss.feed.link == f"{BASE}/"
    assert rss.entries[0].link == f"{BASE}/2024/01/02/a.html"
    feed = json.loads((out / "feed.json").read_text(encoding="utf-8"))
    assert (feed["feed_url"], feed["home_page_url"]) == (f"{BASE}/feed.json", f"{BASE}/")
    assert feed["items"][0]["image"] == f"{BASE}/i%20m.png"
    opml = (out / "feeds.opml").read_text(encoding="utf-8")
    assert f'xmlUrl="{BASE}/atom.xml"' in opml


def test_a_url_path_with_a_space_is_percent_encoded(build: Build, tmp_path: Path) -> None:
    site = make_site(tmp_path, "", {"_posts/2024-01-03-table.md": ""})
    (site / "_config.yml").write_text('url: "https://example.org/my site"\n', encoding="utf-8")
    assert links(build, site, tmp_path / "out") == {
        "Table": "https://example.org/my%20site/2024/01/03/table.html"
    }


def test_relative_url_on_an_encoded_baseurl_makes_a_link(build: Build, tmp_path: Path) -> None:
    out = tmp_path / "out"
    body = '[l]({{ "/x y" | relative_url }})\n'
    assert run(build, encoded_site(tmp_path, body), out).exit_code == 0
    (entry,) = parse(out / "atom.xml").entries
    assert f'href="{BASE}/x%20y"' in entry.content[0].value


def test_an_image_url_refused_is_said_to_be_one(build: Build, tmp_path: Path) -> None:
    site = make_site(tmp_path, "", {"_posts/2024-01-03-table.md": "image: ftp://h/i.png\n"})
    result = run(build, site, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert (
        "_posts/2024-01-03-table.md: front matter: 'image' 'ftp://h/i.png' is not an "
        "http(s) URL with a host; left out"
    ) in result.stderr
