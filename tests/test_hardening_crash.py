"""A post that kills the process rendering it costs that post only (issue 16, item 1).

A worker killed mid-render (SIGKILL, as the OOM killer sends) and a native abort() in the
build's own process (as cmark's under a memory limit): the post is named on stderr, the
others are published, exit 3; the post is recorded as bad, so the next run skips it,
with the same message, until its file changes.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic import post_name, post_text, write_archive

import feeds.content.entries
import feeds.incremental.scan
from conftest import CONFIG, ROOT, Build, parse

POSTS = 120  # enough to render in worker processes (see entries.make_entries)
SCANNED = 1000  # enough to scan in worker processes (see scan.scan_files)
MARK = "THIS-POST-KILLS-ITS-RENDERER"
VICTIM = 7
ABORT_IN_RENDER = f"""\
import os
import feeds.content.markdown
_render = feeds.content.markdown.render_markdown
def render_markdown(body, **options):
    if "{MARK}" in body:
        os.abort()
    return _render(body, **options)
feeds.content.markdown.render_markdown = render_markdown
"""


def archive(tmp_path: Path, posts: int = POSTS) -> tuple[Path, Path, str]:
    source = write_archive(tmp_path / "source", posts)
    victim = post_name(VICTIM)
    (source / victim).write_text(post_text(VICTIM) + f"\n\n{MARK}\n", encoding="utf-8")
    return source, tmp_path / "out", victim


def entry_titles(out: Path) -> list[str]:
    return [entry.title for entry in parse(out / "atom.xml").entries]


def test_a_worker_killed_mid_render_costs_its_post_only(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out, victim = archive(tmp_path)
    here = os.getpid()
    render = feeds.content.entries.render_markdown

    def killing(body: str, **options: bool) -> str:
        if MARK in body:
            assert os.getpid() != here, "rendered in the test's own process"
            os.kill(os.getpid(), signal.SIGKILL)
        return render(body, **options)

    monkeypatch.setattr(feeds.content.entries, "render_markdown", killing)
    message = f"{victim}: render: the process rendering it died (signal 9)"
    result = build("--source", source, "--out", out, "--jobs", "2", "--limit", "0")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[0] == message
    assert len(entry_titles(out)) == POSTS - 1
    assert "BrokenProcessPool" not in result.stderr

    result = build("--source", source, "--out", out, "--jobs", "2", "--limit", "0")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[0] == message

    def not_again(body: str, **options: bool) -> str:
        assert MARK not in body, "the recorded post was rendered again"
        return render(body, **options)

    monkeypatch.setattr(feeds.content.entries, "render_markdown", not_again)
    edited = source / post_name(VICTIM + 1)
    edited.write_text(edited.read_text(encoding="utf-8") + "\nMore.\n", encoding="utf-8")
    result = build("--source", source, "--out", out, "--jobs", "2", "--limit", "0")
    assert result.exit_code == 3, result.stderr
    assert result.stderr.splitlines()[0] == message
    assert len(entry_titles(out)) == POSTS - 1

    (source / victim).write_text(post_text(VICTIM), encoding="utf-8")  # fixed: published
    result = build("--source", source, "--out", out, "--jobs", "2", "--limit", "0")
    assert result.exit_code == 0, result.stderr
    assert len(entry_titles(out)) == POSTS


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_native_abort_in_the_build_process_is_recorded_by_the_next_run(
    tmp_path: Path, jobs: str
) -> None:
    source, out, victim = archive(tmp_path, posts=12)  # few: rendered in the build's process
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_text(ABORT_IN_RENDER)
    env = {**os.environ, "PYTHONPATH": str(hooks)}
    argv = [sys.executable, "-m", "feeds", "build", "--source", str(source), "--out", str(out),
            "--config", str(CONFIG), "--jobs", jobs, "--limit", "0"]  # fmt: skip

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)

    first = run()
    assert first.returncode == -signal.SIGABRT, first.stderr  # as cmark's abort() would
    message = f"{victim}: render: the process rendering it died (signal {int(signal.SIGABRT)})"
    for _ in range(2):  # recorded, then skipped
        after = run()
        assert after.returncode == 3, after.stderr
        assert after.stderr.splitlines()[0] == message
        assert len(entry_titles(out)) == 11


def test_a_worker_killed_mid_scan_costs_its_post_only(
    tmp_path: Path, build: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out, victim = archive(tmp_path, posts=SCANNED)
    os.utime(source / victim, (1e9, 1e9))  # not so new that the next build reads it again
    here = os.getpid()
    load = feeds.incremental.scan.load_front_matter

    def killing(front: str, relpath: str) -> object:
        if relpath == victim:
            assert os.getpid() != here, "scanned in the test's own process"
            os.kill(os.getpid(), signal.SIGKILL)
        return load(front, relpath)

    monkeypatch.setattr(feeds.incremental.scan, "load_front_matter", killing)
    message = f"{victim}: read: the process reading it died (signal 9)"
    for _ in range(2):  # recorded, then skipped
        result = build("--source", source, "--out", out, "--jobs", "2")
        assert result.exit_code == 3, result.stderr
        assert result.stderr.splitlines()[0] == message
        assert f"read {SCANNED - 1} posts, skipped 1" in result.stderr
        assert len(entry_titles(out)) == 50
