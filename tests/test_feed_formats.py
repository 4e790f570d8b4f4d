"""The formats of each feed: each names its siblings (its other formats switched on, and
the index page), Atom attribution carries no atom:source, and `formats` in feeds.toml
switches formats on and off, removing a switched-off format's files with a warning."""

import json
from pathlib import Path

import pytest

from conftest import CONFIG, NS, SEEDS, Build, run_build, xml
from feeds.config import FORMAT_FILES, load_config
from feeds.errors import ConfigError
from feeds.formats import KINDS, file_names

SITE = "https://finews.withounder.com"
ATOM = NS["a"]


def config_with(tmp_path: Path, formats: str) -> Path:
    text = CONFIG.read_text(encoding="utf-8").replace("[categories]", f"{formats}\n[categories]")
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def local(out: Path, href: str) -> Path:
    assert href.startswith(SITE + "/"), href
    return out / href.removeprefix(SITE + "/")


def links(root: object, tag: str) -> list[tuple[str, str, str]]:
    assert hasattr(root, "iterfind")
    return [(ln.get("rel"), ln.get("type"), ln.get("href")) for ln in root.iterfind(tag, NS)]


def test_the_config_names_every_file_of_the_format_registry() -> None:
    assert tuple(FORMAT_FILES.values()) == file_names()
    assert set(file_names()) <= set(KINDS)


def test_atom_feeds_link_their_siblings_once_per_type(finews_out: Path) -> None:
    for path in sorted(finews_out.rglob("atom.xml")):
        found = links(xml(path), "a:link")
        alternates = [(t, h) for rel, t, h in found if rel == "alternate"]
        types = [t for t, _ in alternates]
        assert len(types) == len(set(types)), path  # Atom: one alternate per type
        folder = path.parent
        siblings = {t: h for t, h in alternates if t != "text/html"}
        assert set(siblings) == {KINDS["rss.xml"][1], KINDS["feed.json"][1]}
        for name in ("rss.xml", "feed.json"):
            assert local(finews_out, siblings[KINDS[name][1]]) == folder / name
            assert (folder / name).is_file()
        assert (found[0][0], found[0][1]) == ("self", "application/atom+xml")
        assert local(finews_out, found[0][2]) == path
        assert ("related", "text/html", f"{SITE}/index.html") in found
        assert ("alternate", "text/html", f"{SITE}/") in found


def test_rss_feeds_link_their_siblings_as_atom_links(finews_out: Path) -> None:
    for path in sorted(finews_out.rglob("rss.xml")):
        channel = xml(path).find("channel")
        assert channel is not None
        found = links(channel, "a:link")
        assert found[0][:2] == ("self", "application/rss+xml")
        assert local(finews_out, found[0][2]) == path
        for name in ("atom.xml", "feed.json"):
            hrefs = [h for rel, t, h in found if rel == "alternate" and t == KINDS[name][1]]
            assert len(hrefs) == 1 and local(finews_out, hrefs[0]) == path.parent / name
            assert (path.parent / name).is_file()
        assert ("related", "text/html", f"{SITE}/index.html") in found
        assert channel.findtext("link") == f"{SITE}/"  # the channel's link is still the site


def test_attribution_in_atom_has_no_atom_source_but_keeps_via_and_the_credit(
    finews_out: Path,
) -> None:
    attributed = 0
    for path in sorted(finews_out.rglob("atom.xml")):
        root = xml(path)
        assert root.find(".//a:source", NS) is None, path
        for entry in root.iterfind("a:entry", NS):
            via = [ln.get("href") for ln in entry.iterfind("a:link[@rel='via']", NS)]
            if via:
                attributed += 1
                content = entry.findtext("a:content", namespaces=NS) or ""
                assert via[0] in content  # the visible credit line links the original
    assert attributed > 20


def test_rss_keeps_its_source_element(finews_out: Path) -> None:
    sources = xml(finews_out / "rss.xml").findall("channel/item/source")
    assert sources and all(s.get("url", "").startswith("http") and s.text for s in sources)


def test_a_format_switched_off_is_not_written_nor_linked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_build(
        "--source", SEEDS, "--out", out, config=config_with(tmp_path, 'formats = ["atom"]')
    )
    assert result.exit_code == 0, result.stderr
    written = {p.name for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert written == {"atom.xml", "index.html", "feeds.opml"}  # the pages list the feeds
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "rss.xml" not in page and "feed.json" not in page
    found = links(xml(out / "atom.xml"), "a:link")
    assert [rel for rel, _, _ in found] == ["self", "related", "alternate"]


def test_switching_a_format_off_removes_its_files_with_a_warning(
    tmp_path: Path, build: Build
) -> None:
    out = tmp_path / "out"
    assert build("--source", SEEDS, "--out", out).exit_code == 0
    json_files = sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.json"))
    assert len(json_files) == 3
    config = config_with(tmp_path, 'formats = ["rss", "atom"]')
    result = run_build("--source", SEEDS, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    assert not list(out.rglob("feed.json"))
    for relpath in json_files:
        assert f"{relpath}: removed: its format is switched off (`formats` in the config)" in (
            result.stderr
        )
    assert "removed 3" in result.stderr
    assert KINDS["feed.json"][1] not in (out / "atom.xml").read_text(encoding="utf-8")
    assert KINDS["feed.json"][1] not in (out / "rss.xml").read_text(encoding="utf-8")
    # and on again: written, and linked
    result = run_build("--source", SEEDS, "--out", out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("feed.json")) == json_files
    assert json.loads((out / "feed.json").read_bytes())["items"]
    assert KINDS["feed.json"][1] in (out / "atom.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('["atom", "xml"]', "unknown format 'xml'"),
        ('"atom"', "must be a list of format names"),
        ("[]", "must name at least one format"),
        ("[1]", "must be a list of format names"),
    ],
)
def test_a_bad_formats_value_is_a_config_error_naming_the_key(
    tmp_path: Path, value: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_with(tmp_path, f"formats = {value}"))
    assert caught.value.key == "formats" and reason in caught.value.reason
    assert '"atom", "rss", "json"' in caught.value.reason


def test_formats_default_to_all_in_the_registry_order(tmp_path: Path) -> None:
    assert load_config(CONFIG).formats == ("atom.xml", "rss.xml", "feed.json")
    config = load_config(config_with(tmp_path, 'formats = ["json", "atom"]'))
    assert config.formats == ("atom.xml", "feed.json")


def test_the_opml_lists_a_format_that_is_switched_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    only_json = config_with(tmp_path, 'formats = ["json"]')
    result = run_build("--source", SEEDS, "--out", out, config=only_json)
    assert result.exit_code == 0, result.stderr
    urls = [o.get("xmlUrl") for o in xml(out / "feeds.opml").iter("outline")]
    assert urls and all(url.endswith("/feed.json") for url in urls)  # not the Atom it lacks

    atom_off = config_with(tmp_path, 'formats = ["rss"]\nopml_format = "atom"')
    result = run_build("--source", SEEDS, "--out", out, config=atom_off)
    assert result.exit_code == 2
    assert "opml_format" in result.stderr and "switched off" in result.stderr
