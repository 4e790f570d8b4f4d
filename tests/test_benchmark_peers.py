"""benchmarks/run.py --peers: Hugo, when installed, does the same job on the same archive
(a feed pair per category and a combined one, the limit, full content); when it is not,
the benchmark says so and skips it. Nothing here is timed."""

import importlib.util
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ROOT, load_generator, parse

POSTS = 300
HANG_GUARD = 300  # seconds; Hugo builds these 300 posts in a second or two


def _run_module() -> ModuleType:
    """benchmarks/run.py, which imports the generator as `generate`, from its folder."""
    sys.modules.setdefault("generate", load_generator())
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_peers_are_skipped_saying_so_without_hugo(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = _run_module()
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    run.report_peers(None, tmp_path, tmp_path, 10_000, [50])
    assert "Hugo is not installed" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("hugo") is None, reason="Hugo is not installed")
@pytest.mark.parametrize("limit", [50, 0])
def test_hugo_writes_a_feed_pair_per_category_of_the_limit_with_full_content(
    tmp_path: Path, limit: int
) -> None:
    archive = tmp_path / "archive"
    load_generator().generate(POSTS, archive, seed=1, jobs=1)
    run = _run_module()
    site, config = run.hugo_site(tmp_path, archive, limit)
    out = tmp_path / "hugo-out"
    hugo = [shutil.which("hugo") or "hugo", "--source", str(site), "--config", config]
    done = subprocess.run(
        [*hugo, "--destination", str(out), "--cacheDir", str(tmp_path / "cache"), "--quiet"],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD,
    )
    assert done.returncode == 0, done.stderr
    categories = Counter(
        post.read_text(encoding="utf-8").split("\ncategories: ", 1)[1].split("\n", 1)[0]
        for post in (archive / "_posts").iterdir()
    )

    def cap(count: int) -> int:
        return min(count, limit) if limit else count

    # Hugo names a term's folder in its own way (`·` is dropped): compared by counts.
    written = []
    for folder in [out, *sorted((out / "categories").iterdir())]:
        atom, rss = parse(folder / "atom.xml"), parse(folder / "rss.xml")
        assert len(atom.entries) == len(rss.entries), folder
        written.append(len(atom.entries))
    assert written[0] == cap(POSTS)
    assert sorted(written[1:]) == sorted(cap(count) for count in categories.values())
    newest = parse(out / "atom.xml").entries[0]
    assert newest.content[0].value.count("<p>") > 1  # the whole body, not a summary
