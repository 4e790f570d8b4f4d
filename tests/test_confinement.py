"""Nothing in a post, the config or the state file makes the tool write outside --out.

Hostile category names and slugs are written into real post files (front matter made
with yaml.safe_dump, so every name arrives exactly as given), built, and then every file
under the test's folder is accounted for.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml

from conftest import SEEDS, Build, feed_files, parse, state_of
from feeds.files import OutputError, confined
from feeds.plan.slugs import category_slugs

SITE = 'title = "金融消息"\nurl = "https://finews.withounder.com"\ntimezone = "Asia/Shanghai"\n'
HOSTILE = [
    "../../etc",
    "../../../../../../tmp/feeds-escape",
    "/abs",
    "/etc/cron.d",
    "a\\b",
    "..\\..\\windows",
    "nul\x00byte",
    "x" * 5000,
    "..",
    ".",
    "...",
    "~",
    "CON",
    "con.txt",
    "aux",
    "lpt1",
    "%2e%2e%2f",
    "\u202eevil",
    "",
    " ",
]
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def post(categories: list[str], n: int) -> str:
    front = {
        "layout": "post",
        "title": f"北向资金净流入达{n}0亿元",
        "date": f"2021-12-08 10:{n:02d}:00 +0800",
        "categories": categories,
        "tags": "东财滚动新闻",
    }
    dumped = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=10**6)
    return f"---\n{dumped}---\n\n北向资金净流入达{n}0亿元。\n"


def everything_under(folder: Path) -> set[Path]:
    return {Path(root) / name for root, dirs, files in os.walk(folder) for name in dirs + files}


def hostile_site(tmp_path: Path) -> tuple[Path, Path]:
    source = tmp_path / "site" / "source"
    shutil.copytree(SEEDS, source)
    for n, category in enumerate(HOSTILE):
        path = source / f"2021-12-08-hostile-{n}.md"
        path.write_text(post([category, "emnews"], n), encoding="utf-8")
    return source, tmp_path / "site" / "out"


def test_hostile_category_names_stay_inside_out(tmp_path: Path, build: Build) -> None:
    source, out = hostile_site(tmp_path)
    before = everything_under(tmp_path)
    result = build("--source", source, "--out", out, "--limit", "0")
    assert result.exit_code == 0, result.stderr
    assert all(p == out or out in p.parents for p in everything_under(tmp_path) - before)
    assert not Path("/abs").exists() and not Path("/tmp/feeds-escape").exists()
    folders = [p for p in out.iterdir() if p.is_dir()]
    for folder in folders:
        assert SLUG.match(folder.name) and len(folder.name) <= 89, folder.name
        assert sorted(p.name for p in folder.iterdir()) == ["atom.xml", "feed.json", "rss.xml"]
    for path in feed_files(out):
        assert path.parent in (out, *folders)
        parse(path)
    assert len(parse(out / "atom.xml").entries) == 2 + len(HOSTILE)


def test_hostile_slugs_in_the_config_stay_inside_out(tmp_path: Path, build: Build) -> None:
    source, out = hostile_site(tmp_path)
    config = tmp_path / "feeds.toml"
    config.write_text(
        SITE
        + '[categories."../../etc"]\nslug = "../../x"\n'
        + '[categories.emnews]\nslug = "/etc/cron.d"\n'
        + '[categories.shanghaizhengquanbao]\nslug = "..\\\\..\\\\win"\n'
        + '[categories."a\\\\b"]\nslug = "CON"\n',
        encoding="utf-8",
    )
    before = everything_under(tmp_path)
    result = build("--source", source, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    assert all(p == out or out in p.parents for p in everything_under(tmp_path) - before)
    names = {p.name for p in out.iterdir() if p.is_dir()}
    assert {"x", "etc-cron-d", "win"} <= names
    assert all(SLUG.match(name) for name in names)
    assert "con" not in names


def test_a_pinned_slug_keeps_it_when_a_hostile_name_collides() -> None:
    pinned = {"emnews": "/etc/cron.d"}
    slugs = category_slugs(["emnews", "/etc/cron.d", "etc-cron-d"], pinned)
    assert slugs["etc-cron-d"] == "etc-cron-d"  # spelt as the slug: it keeps it
    slugs = category_slugs(["emnews", "/etc/cron.d"], pinned)
    assert slugs == {"emnews": "etc-cron-d", "/etc/cron.d": "etc-cron-d-48f92079"}


@pytest.mark.parametrize(
    "relpath",
    [
        "../atom.xml",
        "emnews/../../atom.xml",
        "/etc/passwd",
        "//server/share/atom.xml",
        "emnews\\..\\..\\atom.xml",
        "emnews/atom.xml\x00.png",
        "",
        ".",
        "..",
        "emnews//atom.xml",
        "emnews/./atom.xml",
        "emnews/",
    ],
)
def test_confined_refuses_paths_that_leave_out(relpath: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="refusing a path outside the output folder"):
        confined(tmp_path / "out", relpath)


@pytest.mark.parametrize(
    "relpath", ["atom.xml", "emnews/rss.xml", "shang-hai-zheng-quan-bao/atom.xml"]
)
def test_confined_accepts_feed_paths(relpath: str, tmp_path: Path) -> None:
    assert confined(tmp_path / "out", relpath) == tmp_path / "out" / relpath


def test_confined_refuses_a_link_out_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out" / "emnews").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OutputError):
        confined(tmp_path / "out", "emnews/atom.xml")


def test_a_link_planted_in_out_does_not_redirect_writes(tmp_path: Path, build: Build) -> None:
    out = tmp_path / "out"
    assert build("--source", SEEDS, "--out", out).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "shanghaizhengquanbao")
    (out / "shanghaizhengquanbao").symlink_to(elsewhere)
    result = build("--source", SEEDS, "--out", out)
    assert result.exit_code == 1
    assert "shanghaizhengquanbao/atom.xml: refusing a path outside the output folder" in (
        result.stderr
    )
    assert list(elsewhere.iterdir()) == []


def test_a_tampered_state_file_cannot_remove_files_outside_out(
    tmp_path: Path, build: Build
) -> None:
    source, out = tmp_path / "source", tmp_path / "out"
    shutil.copytree(SEEDS, source)
    assert build("--source", source, "--out", out).exit_code == 0
    victims = [tmp_path / "victim.xml", tmp_path / "source" / "victim.xml"]
    for victim in victims:
        victim.write_text("keep me")
    state_path = state_of(out) / ".feeds-state.json"
    state = json.loads(state_path.read_text(encoding="utf-8"))
    template = next(iter(state["files"].values()))
    for relpath in ("../victim.xml", "emnews/../../source/victim.xml", str(victims[0])):
        state["files"][relpath] = template
    state_path.write_text(json.dumps(state), encoding="utf-8")
    (source / "2022-01-25-NW202201252261386140.md").unlink()  # so that the build writes
    result = build("--source", source, "--out", out)
    assert result.exit_code == 0, result.stderr
    assert all(victim.read_text() == "keep me" for victim in victims)
    assert result.stderr.count("refusing a path outside the output folder; not removed") == 3
