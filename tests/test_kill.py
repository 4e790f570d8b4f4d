"""SIGKILL a build at random moments: every feed is then the old or the new version, whole.

A synthetic archive of POSTS posts in 30 categories is built once: the "old" feeds. Every
tenth post then gets a new title and body, and a cold build of that into another folder
gives the "new" feeds. Each trial starts from a copy of the old output folder (feeds,
state, cache), runs `python -m feeds build` as cron would, and SIGKILLs it, with its
worker processes, after a random delay between 0 and the measured length of such a build.

Half the trials run on a slow disk (each fsync takes SLOW_FSYNC longer, through a
`sitecustomize` module), where writing is a large share of the build, so that many kills
land while feeds are being replaced. Two trials run side by side to keep the test short.
"""

import contextlib
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
from lxml import etree
from synthetic import edit_posts, write_archive

from conftest import CONFIG, ROOT, copy_build, state_of

POSTS = 2000
LIMIT = "20"
EDITED = range(0, POSTS, 10)
KILLS = 24
SIDE_BY_SIDE = 2
SEED = 20220125
SLOW_FSYNC = 0.01
SLOW_DISK = f"""\
import os, time
_fsync = os.fsync
def _slow_fsync(fd):
    time.sleep({SLOW_FSYNC})
    _fsync(fd)
os.fsync = _slow_fsync
"""

Run = tuple[Path, Path]  # source, out


def test_sigkill_at_random_moments_leaves_old_or_new_feeds(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "source", POSTS)
    edited = tmp_path / "edited"
    shutil.copytree(source, edited)
    edit_posts(edited, EDITED)
    pristine, expected = tmp_path / "pristine", tmp_path / "expected"
    builds([(source, pristine), (edited, expected)])
    edit_posts(source, EDITED)
    old, new = feeds_in(pristine), feeds_in(expected)
    assert old.keys() == new.keys() and len(old) > 50
    assert sum(old[k] != new[k] for k in old) > len(old) // 3  # the kills hit real changes
    seen: dict[str, bool] = {}
    assert all(parses(data, seen) for data in [*old.values(), *new.values()])

    slow = tmp_path / "slow-disk"
    slow.mkdir()
    (slow / "sitecustomize.py").write_text(SLOW_DISK)
    outs = [tmp_path / f"out{n}" for n in range(SIDE_BY_SIDE)]
    rng = random.Random(SEED)
    outcomes = {"old": 0, "new": 0, "some old, some new": 0}
    durations = []
    for pythonpath in (None, slow):
        runs = [(source, restore(pristine, out)) for out in outs]
        duration = builds(runs, pythonpath=pythonpath)
        durations.append(duration)
        assert all(feeds_in(out) == new for out in outs)
        for trial in range(0, KILLS // 2, SIDE_BY_SIDE):
            delays = [rng.uniform(0, duration) for _ in outs]
            runs = [(source, restore(pristine, out)) for out in outs]
            builds(runs, pythonpath=pythonpath, kill_after=delays)
            for out in outs:
                found = feeds_in(out)
                assert found.keys() == old.keys(), f"trial {trial}: feeds missing or extra"
                for relpath, data in found.items():
                    assert data in (old[relpath], new[relpath]), f"trial {trial}: {relpath} torn"
                    assert parses(data, seen), f"trial {trial}: {relpath} does not parse"
                outcomes[_outcome(found, old, new)] += 1

    builds([(source, out) for out in outs])  # the next cron run completes, and tidies up
    for out in outs:
        assert feeds_in(out) == new
        assert not [*out.rglob(".*.tmp"), *state_of(out).rglob(".*.tmp")]
    assert sum(outcomes.values()) == KILLS
    print(f"\n{POSTS} posts, {KILLS} kills in builds of {durations} s: {outcomes}")


def builds(
    runs: list[Run], *, pythonpath: Path | None = None, kill_after: list[float] | None = None
) -> float:
    """Run these builds at once; SIGKILL each after its delay, if given.

    Returns the time the slowest took. Each build has a process group of its own, so that
    the kill takes its worker processes too, as `kill -9` of a cron job's group would.
    """
    env = {**os.environ, "PYTHONPATH": str(pythonpath)} if pythonpath else None
    start = time.monotonic()
    procs = [
        subprocess.Popen(
            build_argv(source, out),
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE if kill_after is None else subprocess.DEVNULL,
            start_new_session=True,
        )
        for source, out in runs
    ]
    if kill_after is None:
        for proc in procs:
            _, stderr = proc.communicate()
            assert proc.returncode == 0, stderr.decode()
        return time.monotonic() - start
    for proc, delay in sorted(zip(procs, kill_after, strict=True), key=lambda p: p[1]):
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=max(0.0, start + delay - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return time.monotonic() - start


def build_argv(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "feeds", "build", "-q", "--source", str(source),
            "--out", str(out), "--config", str(CONFIG), "--limit", LIMIT]  # fmt: skip


def restore(pristine: Path, out: Path) -> Path:
    shutil.rmtree(out, ignore_errors=True)
    copy_build(pristine, out)
    return out


def feeds_in(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*.xml")
        if not p.name.startswith(".")
    }


def parses(data: bytes, seen: dict[str, bool]) -> bool:
    """lxml and feedparser both read it without complaint (each distinct file once)."""
    digest = hashlib.sha256(data).hexdigest()
    if digest not in seen:
        etree.fromstring(data)
        seen[digest] = not feedparser.parse(data).bozo
    return seen[digest]


def _outcome(found: dict[str, bytes], old: dict[str, bytes], new: dict[str, bytes]) -> str:
    if found == old:
        return "old"
    return "new" if found == new else "some old, some new"


# kill -9 of the build process alone, as the OOM killer or a cron timeout would, while
# its workers run: they must neither keep the lock nor outlive it.
PARENT_KILLS = 30
PARENT_POSTS = 240  # rendered by two worker processes (see entries.make_entries)


def test_sigkill_of_the_build_process_never_locks_the_next_build_out(tmp_path: Path) -> None:
    source = write_archive(tmp_path / "source", PARENT_POSTS)
    config = tmp_path / "feeds.toml"
    config.write_text(
        CONFIG.read_text(encoding="utf-8").replace("lock_timeout = 60", "lock_timeout = 1"),
        encoding="utf-8",
    )
    expected, out = tmp_path / "expected", tmp_path / "out"
    start = time.monotonic()
    assert run_to_end(source, expected, config).returncode == 0
    duration = time.monotonic() - start
    cold = feeds_in(expected)
    assert len(cold) > 20
    rng = random.Random(SEED)
    with_workers = 0
    for trial in range(PARENT_KILLS):
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(state_of(out), ignore_errors=True)
        proc = subprocess.Popen(
            [*parent_argv(source, out, config)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            if trial % 2:  # once its workers are there
                deadline = time.monotonic() + duration
                while not children(proc.pid) and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(rng.uniform(0, 0.2))
            else:
                time.sleep(rng.uniform(0, duration))
            workers = children(proc.pid)
            with_workers += bool(workers)
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)  # the build process only
            proc.wait()
            after = run_to_end(source, out, config)
            assert not alive(workers), f"trial {trial}: workers outlived the build"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # whatever outlived it, for the next trial
        assert after.returncode in (0, 3), f"trial {trial}: {after.stderr}"
        assert feeds_in(out) == cold, f"trial {trial}: not as a cold build writes them"
    assert with_workers >= PARENT_KILLS // 5
    print(f"\n{PARENT_KILLS} kills of the build process, {with_workers} while it had children")


def parent_argv(source: Path, out: Path, config: Path) -> list[str]:
    return [sys.executable, "-m", "feeds", "build", "-q", "--source", str(source),
            "--out", str(out), "--config", str(config), "--limit", "0", "--jobs", "2"]  # fmt: skip


def run_to_end(source: Path, out: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """A build to its end: one that waits for the lock fails with exit 4 after a second."""
    return subprocess.run(
        parent_argv(source, out, config),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def children(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []


def alive(pids: list[str]) -> list[str]:
    """The processes still running, of these (a zombie is dead: it waits to be reaped)."""
    running = []
    for pid in pids:
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
                running.append(pid)
    return running
