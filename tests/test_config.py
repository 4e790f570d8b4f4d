"""Config: feeds.toml over the Jekyll site's _config.yml; bad keys named with their file."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FINEWS, SEEDS, Build, state_of
from feeds.config import JEKYLL_KEPT_NAME, load_config
from feeds.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_jekyll_config_supplies_site_facts(tmp_path: Path) -> None:
    config = load_config(None, source=FINEWS, out=tmp_path)
    site = config.site
    assert (site.title, site.url, site.language, site.timezone) == (
        "金融消息",
        "https://finews.withounder.com",
        "zh-CN",
        "Asia/Shanghai",
    )
    assert site.author is not None and site.author.name == "ZNing"


def test_feeds_toml_overrides_the_jekyll_config(tmp_path: Path) -> None:
    path = write(tmp_path, 'title = "Other"\nurl = "https://example.org/news/"\n')
    site = load_config(path, source=FINEWS).site
    assert (site.title, site.url) == ("Other", "https://example.org/news")


def test_paths_in_the_config_are_relative_to_it(tmp_path: Path) -> None:
    path = write(tmp_path, 'url = "https://e.org"\nsource = "posts"\nout = "public"\n')
    config = load_config(path)
    assert (config.source, config.out) == (tmp_path / "posts", tmp_path / "public")


def test_command_line_overrides_the_config(tmp_path: Path) -> None:
    path = write(tmp_path, 'url = "https://e.org"\nsource = "posts"\nlimit = 5\n')
    config = load_config(path, source=SEEDS, overrides={"limit": 7})
    assert (config.source, config.limit) == (SEEDS, 7)


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('url = "https://e.org"\ntitel = "x"', "titel", "unknown key"),
        ('url = "https://e.org"\nlimit = -1', "limit", "whole number"),
        ('url = "https://e.org"\nlimit = "ten"', "limit", "whole number"),
        ('url = "ftp://e.org"', "url", "absolute http(s) URL"),
        ('url = "https://e.org"\ntimezone = "Mars/Olympus"', "timezone", "unknown time zone"),
        ('url = "https://e.org"\ncleaning = "nope"', "cleaning", "must be one of"),
        ('url = "https://e.org"\nmax_drop = 2', "max_drop", "share between 0 and 1"),
        (
            'url = "https://e.org"\n[categories.emnews]\ntitel = "x"',
            "categories.emnews.titel",
            "unknown key",
        ),
    ],
)
def test_bad_keys_are_named(tmp_path: Path, text: str, key: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), source=SEEDS)
    assert info.value.key == key
    assert reason in str(info.value)
    assert str(tmp_path / "feeds.toml") in str(info.value)


def test_missing_url_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match='add url = "https://'):
        load_config(write(tmp_path, 'title = "x"\n'), source=SEEDS)


def test_cli_config_error_exits_2_naming_file_and_key(tmp_path: Path, build: Build) -> None:
    path = write(tmp_path, 'url = "https://e.org"\nlimmit = 3\n')
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=path)
    assert result.exit_code == 2
    assert f"{path}: limmit: unknown key" in result.stderr
    assert not (tmp_path / "out").exists()


def test_invalid_toml_exits_2(tmp_path: Path, build: Build) -> None:
    path = write(tmp_path, "url = \n")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=path)
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


def test_the_jekyll_config_is_kept_parsed_until_it_changes(tmp_path: Path) -> None:
    """A rebuild with nothing to do reads the parsed copy and never loads PyYAML."""
    site, out = tmp_path / "site", tmp_path / "out"
    site.mkdir()
    state_of(out).mkdir(parents=True)
    jekyll = site / "_config.yml"
    jekyll.write_text("title: 旧\nurl: https://e.org\nplugins: [jekyll-feed]\n", encoding="utf-8")
    kept = state_of(out) / JEKYLL_KEPT_NAME
    assert load_config(None, source=site, out=out).site.title == "旧"
    assert not kept.exists()  # too recent to be trusted by its stamp
    time.sleep(2.1)
    assert load_config(None, source=site, out=out).site.title == "旧"
    assert kept.exists()
    probe = (
        "import sys; from pathlib import Path; from feeds.config import load_config; "
        f"t = load_config(None, source=Path({str(site)!r}), out=Path({str(out)!r})).site.title; "
        "print(t, 'yaml' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.split() == ["旧", "False"], result.stderr
    jekyll.write_text("title: 新\nurl: https://e.org\nplugins: [jekyll-feed]\n", encoding="utf-8")
    assert load_config(None, source=site, out=out).site.title == "新"  # same size, new stamp
    kept.write_text("{not json", encoding="utf-8")
    assert load_config(None, source=site, out=out).site.title == "新"


def test_the_jekyll_copy_holds_only_what_feeds_reads_as_private_as_the_config(
    tmp_path: Path,
) -> None:
    site, out = tmp_path / "site", tmp_path / "out"
    site.mkdir()
    state_of(out).mkdir(parents=True)
    jekyll = site / "_config.yml"
    jekyll.write_text("title: T\nurl: https://e.org\nalgolia: {admin_api_key: SECRET}\n")
    jekyll.chmod(0o600)
    time.sleep(2.1)  # the ctime too must be older than the racy margin
    assert load_config(None, source=site, out=out).site.title == "T"
    kept = state_of(out) / JEKYLL_KEPT_NAME
    assert "SECRET" not in kept.read_text(encoding="utf-8")
    assert kept.stat().st_mode & 0o777 == 0o600
    # A key feeds reads that JSON would give back otherwise (a date) is not kept at all.
    kept.unlink()
    jekyll.write_text("title: T\nurl: https://e.org\nauthor: {name: A, since: 2021-12-08}\n")
    old = time.time() - 10
    os.utime(jekyll, (old, old))
    time.sleep(2.1)
    assert load_config(None, source=site, out=out).site.title == "T"
    assert not kept.exists()
