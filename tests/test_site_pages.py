"""out/index.html and out/feeds.opml, as a person and a reader see them (issue 18).

The page is opened in a real headless browser (Debian's chromium, no download) and
asserted on from the DOM it renders; the list is imported by newsboat and parsed by
listparser. Built from the real finews sample plus one post in a category named
`<script>alert(1)</script>`.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import listparser
import lxml.html
import pytest
from lxml import etree

from conftest import CONFIG, FINEWS, NS, SEEDS, run_build, state_of, xml

SITE_URL = "https://finews.withounder.com/"
SCRIPT = "<script>alert(1)</script>"
POST = f"""---
title: 'Hostile category & <b>co</b>'
date: 2022-06-20 10:00:00 +0800
categories: ['{SCRIPT}']
---

A post in a category whose name is markup.
"""
CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # git-ignored
WITHOUT_CHROMIUM = "chromium is not installed (apt-get install -y chromium)"


def _source(root: Path) -> Path:
    source = root / "finews"
    shutil.copytree(FINEWS, source)
    (source / "_posts" / "2022-06-20-hostile.md").write_text(POST, encoding="utf-8")
    return source


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("site-pages")
    source, out = _source(root), root / "out"
    result = run_build("--source", source, "--out", out)
    assert result.exit_code == 3, result.stderr  # one real post has no usable date
    return source, out


def _feeds(out: Path) -> dict[str, str]:
    """Every published feed's folder ("" or "<slug>/") -> its title, from its Atom file."""
    feeds = {}
    for atom in sorted(out.rglob("atom.xml")):
        folder = atom.parent.relative_to(out).as_posix()
        title = etree.parse(str(atom)).findtext("a:title", namespaces=NS)
        assert title
        feeds["" if folder == "." else folder + "/"] = title
    return feeds


def _files(out: Path, folder: str) -> list[str]:
    """The feed files in a feed's folder: not feed.xml, the copy of the combined Atom feed
    where jekyll-feed served it (the archive's _config.yml lists the plugin)."""
    return sorted(
        p.name
        for p in (out / folder).iterdir()
        if p.suffix in (".xml", ".json")
        and not p.name.startswith(".")
        and (folder, p.name) != ("", "feed.xml")
    )


def _chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess[bytes]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


@pytest.fixture(scope="module")
def rendered(
    site: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> lxml.html.HtmlElement:
    """The DOM chromium renders from out/index.html, parsed by lxml."""
    if CHROMIUM is None:
        pytest.skip(WITHOUT_CHROMIUM)
    tmp = tmp_path_factory.mktemp("chromium")
    page = (site[1] / "index.html").as_uri()
    dom = _chromium("--dump-dom", page, tmp=tmp).stdout
    assert dom.strip(), "chromium dumped no DOM"
    return lxml.html.document_fromstring(dom)


def test_the_page_lists_every_feed_with_its_title_and_links(
    site: tuple[Path, Path], rendered: lxml.html.HtmlElement
) -> None:
    out = site[1]
    feeds = _feeds(out)
    assert len(feeds) > 10
    sections = rendered.xpath("//section")
    titles = [s.findtext("h2") for s in sections]
    assert titles[0] == feeds[""]  # the combined feed first, then every category's
    assert sorted(titles) == sorted(feeds.values())
    folders = {title: folder for folder, title in feeds.items()}
    for section in sections:
        folder = folders[section.findtext("h2")]
        links = section.xpath(".//ul[@class='formats']//a")
        assert sorted(a.get("href") for a in links) == [folder + n for n in _files(out, folder)]
        for a in links:
            assert (out / a.get("href")).is_file()
            assert a.text_content() in ("Atom", "RSS", "JSON Feed")
        urls = section.xpath(".//input[@readonly]/@value")
        assert sorted(urls) == [SITE_URL + folder + n for n in _files(out, folder)]
        # the entry count, the date, and up to three headlines
        assert section.xpath(".//time/@datetime")
        assert 1 <= len(section.xpath(".//ul[@class='headlines']/li/a[@href]")) <= 3


def test_the_page_names_the_newest_three_headlines(
    site: tuple[Path, Path], rendered: lxml.html.HtmlElement
) -> None:
    atom = etree.parse(str(site[1] / "atom.xml"))
    newest = [e.findtext("a:title", namespaces=NS) for e in atom.findall("a:entry", NS)[:3]]
    combined = rendered.xpath("//section")[0]
    assert combined.findtext("h2") == "金融消息"
    assert [a.text_content() for a in combined.xpath(".//ul[@class='headlines']//a")] == newest
    meta = combined.xpath(".//p[@class='meta']")[0].text_content()
    assert f"{len(atom.findall('a:entry', NS))} 篇" in meta


def test_the_head_links_every_feed_and_format_for_autodiscovery(
    site: tuple[Path, Path], rendered: lxml.html.HtmlElement
) -> None:
    out = site[1]
    links = rendered.xpath("/html/head/link[@rel='alternate']")
    expected = {
        (SITE_URL + folder + name, f"{title} ({'Atom' if name == 'atom.xml' else 'RSS'})")
        for folder, title in _feeds(out).items()
        for name in _files(out, folder)
        if name in ("atom.xml", "rss.xml")
    }
    assert {(link.get("href"), link.get("title")) for link in links} >= expected
    types = {"atom.xml": "application/atom+xml", "rss.xml": "application/rss+xml"}
    for link in links:
        name = link.get("href").rsplit("/", 1)[1]
        assert link.get("type") == types.get(name, link.get("type"))
        assert (out / link.get("href").removeprefix(SITE_URL)).is_file()


def test_a_category_named_as_markup_shows_as_text(rendered: lxml.html.HtmlElement) -> None:
    assert not rendered.xpath("//script"), "a title became a script element"
    titles = [h2.text_content() for h2 in rendered.xpath("//h2")]
    assert f"{SCRIPT} · 金融消息" in titles
    # <b> marks up text: stripped, as jekyll-feed strips a title's tags (issue 21)
    assert "Hostile category & co" in rendered.text_content()
    assert not rendered.xpath("//b")


def test_the_page_is_in_the_sites_language_for_phones_and_fetches_nothing(
    site: tuple[Path, Path], rendered: lxml.html.HtmlElement
) -> None:
    assert rendered.get("lang") == "zh-CN"
    assert rendered.xpath("//meta[@name='viewport']/@content")
    assert rendered.xpath("//head/style")
    # Nothing another host would be asked for: no script, image, frame, font or sheet.
    static = lxml.html.parse(str(site[1] / "index.html")).getroot()
    assert not static.xpath("//script | //img | //iframe | //object | //embed | //@src")
    assert {link.get("rel") for link in static.xpath("//link")} == {"alternate"}
    assert "@import" not in static.findtext(".//style") and "url(" not in static.findtext(
        ".//style"
    )


def test_a_phone_sized_screenshot_is_kept(
    site: tuple[Path, Path], rendered: lxml.html.HtmlElement, tmp_path: Path
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "index-phone.png"
    shot.unlink(missing_ok=True)
    page = (site[1] / "index.html").as_uri()
    _chromium(f"--screenshot={shot}", "--window-size=390,844", page, tmp=tmp_path)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    print(f"screenshot of index.html at 390x844: {shot}")


def _outlines(out: Path) -> list[tuple[str, str]]:
    """Each feed as feeds.opml should list it: (title, Atom URL), the combined feed first,
    then the categories in the order of their names (as the state file keeps them)."""
    slugs = json.loads((state_of(out) / ".feeds-state.json").read_text(encoding="utf-8"))["slugs"]
    feeds = _feeds(out)
    folders = ["", *(slugs[name] + "/" for name in sorted(slugs))]
    return [(feeds[folder], SITE_URL + folder + "atom.xml") for folder in folders]


def test_listparser_reads_every_feed_from_the_opml(site: tuple[Path, Path]) -> None:
    out = site[1]
    parsed = listparser.parse((out / "feeds.opml").read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    assert [(f.title, f.url) for f in parsed.feeds] == _outlines(out)
    root = etree.parse(str(out / "feeds.opml")).getroot()
    assert root.get("version") == "2.0"
    for outline in root.iter("outline"):
        assert outline.get("type") == "rss"
        assert outline.get("text") == outline.get("title")
        assert outline.get("htmlUrl") == SITE_URL


@pytest.mark.skipif(shutil.which("newsboat") is None, reason="newsboat is not installed")
def test_newsboat_imports_every_feed_from_the_opml(site: tuple[Path, Path], tmp_path: Path) -> None:
    out = site[1]
    urls, cache, config = tmp_path / "urls", tmp_path / "cache.db", tmp_path / "config"
    urls.write_text("", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    subprocess.run(
        ["newsboat", "-u", urls, "-c", cache, "-C", config, "-i", out / "feeds.opml"],
        check=True,
        capture_output=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    imported = [line.split()[0].strip('"') for line in urls.read_text().splitlines() if line]
    assert imported == [url for _, url in _outlines(out)]


def test_opml_format_chooses_the_format_listed(tmp_path: Path) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text('opml_format = "rss"\n' + CONFIG.read_text(encoding="utf-8"), "utf-8")
    out = tmp_path / "out"
    assert run_build("--source", FINEWS, "--out", out, config=config).exit_code == 3
    parsed = listparser.parse((out / "feeds.opml").read_bytes())
    assert parsed.feeds and all(f.url.endswith("/rss.xml") for f in parsed.feeds)
    config.write_text('url = "https://example.org"\nopml_format = "xml"\n', "utf-8")
    result = run_build("--source", FINEWS, "--out", out, config=config)
    assert result.exit_code == 2
    assert "opml_format" in result.stderr


def _stamps(out: Path) -> tuple[int, int]:
    return (out / "index.html").stat().st_mtime_ns, (out / "feeds.opml").stat().st_mtime_ns


def test_pages_are_rewritten_only_when_a_feed_changes(tmp_path: Path) -> None:
    source, out = _source(tmp_path), tmp_path / "out"
    assert run_build("--source", source, "--out", out).exit_code == 3
    first = _stamps(out)
    time.sleep(0.05)
    assert run_build("--source", source, "--out", out).exit_code == 3  # nothing changed
    assert _stamps(out) == first
    # A post's body edited: its feeds change, the pages' contents do not.
    post = source / "_posts" / "2022-06-20-hostile.md"
    post.write_text(POST + "\nMore words.\n", encoding="utf-8")
    result = run_build("--source", source, "--out", out)
    assert "wrote 0 feeds" not in result.stderr
    assert _stamps(out) == first
    # A new post: the combined feed's headlines change, and the pages with them.
    (source / "_posts" / "2022-06-21-new.md").write_text(
        "---\ntitle: Newest of all\ndate: 2022-06-21 10:00:00 +0800\n---\n\nNew.\n", "utf-8"
    )
    assert run_build("--source", source, "--out", out).exit_code == 3
    assert _stamps(out)[0] != first[0] and _stamps(out)[1] != first[1]
    page = lxml.html.parse(str(out / "index.html")).getroot()
    assert page.xpath("//section")[0].xpath(".//ul[@class='headlines']//a")[0].text == (
        "Newest of all"
    )
    # A page deleted is written again, though no post changed.
    (out / "index.html").unlink()
    assert run_build("--source", source, "--out", out).exit_code == 3
    assert (out / "index.html").is_file()


def test_a_vanished_category_leaves_the_pages(tmp_path: Path) -> None:
    source, out = _source(tmp_path), tmp_path / "out"
    assert run_build("--source", source, "--out", out).exit_code == 3
    state = json.loads((state_of(out) / ".feeds-state.json").read_text(encoding="utf-8"))
    assert set(state["pages"]) == {"index.html", "feeds.opml"}
    assert not {"index.html", "feeds.opml"} & set(state["files"])
    (source / "_posts" / "2022-06-20-hostile.md").unlink()
    result = run_build("--source", source, "--out", out)
    assert result.exit_code == 3
    assert "removed: its category has no posts any more" in result.stderr
    assert "index.html" not in result.stderr and "feeds.opml" not in result.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "alert(1)" not in page and "alert(1)" not in (out / "feeds.opml").read_text("utf-8")


def test_pages_are_not_counted_as_feeds(tmp_path: Path) -> None:
    source, out = _source(tmp_path), tmp_path / "out"
    result = run_build("--source", source, "--out", out)
    state = json.loads((state_of(out) / ".feeds-state.json").read_text(encoding="utf-8"))
    assert f"wrote {len(state['files'])} feeds (0 unchanged)" in result.stderr
    result = run_build("--source", source, "--out", out)
    assert f"wrote 0 feeds ({len(state['files'])} unchanged)" in result.stderr


def test_another_programs_index_html_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("the site's own home page", encoding="utf-8")
    result = run_build("--source", FINEWS, "--out", out)
    assert result.exit_code == 3
    assert f"{out / 'index.html'}: not a file feeds wrote; not replaced" in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "the site's own home page"
    assert listparser.parse((out / "feeds.opml").read_bytes()).feeds
    # Gone, it is feeds' own at the next build, though no post changed; then feeds' own
    # page is rewritten as feeds writes it, even edited by hand (it carries feeds' mark).
    (out / "index.html").unlink()
    assert run_build("--source", FINEWS, "--out", out).exit_code == 3
    page = (out / "index.html").read_text(encoding="utf-8")
    assert 'content="feeds"' in page
    (out / "index.html").write_text(page.replace("金融消息", "edited"), encoding="utf-8")
    (out / "atom.xml").unlink()  # so that the build writes
    result = run_build("--source", FINEWS, "--out", out)
    assert "not replaced" not in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == page


def test_the_page_can_take_another_name_beside_a_sites_own_home_page(tmp_path: Path) -> None:
    """`index_page`: out/ served at the site's own address keeps the site's index.html."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("<html>the site's home page</html>", encoding="utf-8")
    config = tmp_path / "feeds.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace(
            "[categories]", 'index_page = "feeds.html"\n[categories]'
        ),
        encoding="utf-8",
    )
    result = run_build("--source", SEEDS, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    assert "not replaced" not in result.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "<html>the site's home page</html>"
    page = lxml.html.fromstring((out / "feeds.html").read_bytes())
    assert page.xpath("//link[@rel='alternate']")
    related = xml(out / "atom.xml").findall("a:link[@rel='related']", NS)
    assert [link.get("href") for link in related] == [SITE_URL + "feeds.html"]

    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace(
            "[categories]", 'index_page = "../x.html"\n[categories]'
        ),
        encoding="utf-8",
    )
    result = run_build("--source", SEEDS, "--out", out, config=config)
    assert result.exit_code == 2 and "index_page" in result.stderr
