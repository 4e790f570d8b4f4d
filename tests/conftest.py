"""Shared helpers: run the real command into a temporary folder and parse what it wrote."""

import functools
import importlib.util
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import feedparser
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from feeds.cli import cli
from feeds.config import default_state_dir
from feeds.model import Author, Site

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SEEDS = ROOT / "seeds"
FINEWS = DATA / "finews"
CONFIG = ROOT / "feeds.toml"
# The finews archive's site facts, for tests that read posts without a config.
FINEWS_SITE = Site(
    title="金融消息",
    url="https://finews.withounder.com",
    description="",
    language="zh-CN",
    timezone="Asia/Shanghai",
    author=Author("ZNing"),
    permalink="/:categories/:year/:month/:day/:title:output_ext",
)
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}

Build = Callable[..., Result]


@functools.cache
def load_generator() -> ModuleType:
    """benchmarks/generate.py, the deterministic archive generator, as one module: its
    workers pickle its functions by their module's name."""
    path = ROOT / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session", autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every build's state folder under a temporary XDG_CACHE_HOME, never the real ~/.cache:
    set in the environment, so that builds in a subprocess inherit it."""
    home = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(home))
        yield home


def state_of(out: Path) -> Path:
    """The state folder a build with default settings keeps for `out`."""
    return default_state_dir(out)


def copy_build(out: Path, dest: Path, *, cache: bool = True) -> None:
    """The feeds published in `out` and its state folder, as those of `dest`; without the
    cache unless `cache`."""
    shutil.copytree(out, dest)
    shutil.rmtree(state_of(dest), ignore_errors=True)  # of a copy made before
    ignore = None if cache else shutil.ignore_patterns(".feeds-cache*")
    shutil.copytree(state_of(out), state_of(dest), ignore=ignore)


def run_build(*args: str | Path, config: Path | None = CONFIG) -> Result:
    argv = ["build", *(str(a) for a in args)]
    if config is not None:
        argv += ["--config", str(config)]
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


@pytest.fixture
def build() -> Build:
    return run_build


@pytest.fixture(scope="session")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds-out")
    result = run_build("--source", SEEDS, "--out", out)
    assert result.exit_code == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def finews_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finews-out")
    result = run_build("--source", FINEWS, "--out", out, "--limit", "0")
    assert result.exit_code == 3, result.stderr  # one real post has no usable date
    return out


# Every real post: the 80-post sample of the archive and the two seeds.
REAL_POSTS = sorted([*(FINEWS / "_posts").glob("*.md"), *SEEDS.glob("*.md")], key=lambda p: p.name)


def real_post(name: str) -> Path:
    """A real post by its file name, from the archive sample or the seeds."""
    for folder in (FINEWS / "_posts", SEEDS):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def xml(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def feed_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.xml") if not p.name.startswith("."))


def copy_posts(dest: Path, *names: str, source: Path = FINEWS / "_posts") -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(source / name, dest / name)
    return dest
