"""Time `feeds build` against the floor on synthetic archives of 10,000 and 100,000 posts.

    python benchmarks/run.py [--sizes 10000,100000] [--keep DIR] [--repeat R] [-v] [-- ARGS]

For each size: the floor (benchmarks/floor.py), the cold build, the no-change rebuild and
the rebuild after adding 10 posts, each as a fresh process, with its wall time, CPU
time, memory and ratio to the floor. ARGS after `--` go to every `feeds build`.
See benchmarks/README.md for what each number means.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import generate

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FLOOR = BENCH / "floor.py"
ADDED = 10
SAMPLE_SECONDS = 0.05
MB = 1024 * 1024
BUILD_CONFIG = """\
url = "https://finews.withounder.com"
timezone = "Asia/Shanghai"
cleaning = "finews"
limit = 50
"""
TARGETS = {  # step -> highest ratio to the floor (issue 5)
    "cold build": 1.0,
    "no-change rebuild": 0.05,
    f"+{ADDED} posts rebuild": 0.10,
}
RSS_TARGET_MB, RSS_TARGET_SIZE = 250, 100_000
HUGO_SITE = BENCH / "hugo"  # its config and templates; run.py adds contentDir and the limit
# Issue 22: the highest ratio of a feeds cold build to Hugo's (RSS + Atom), by entries per
# feed and archive size.
PEER_TARGETS = {(50, 10_000): 0.7, (50, 100_000): 0.35, (0, 10_000): 1.0}


@dataclass(frozen=True)
class Measurement:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its children
    peak_rss: int  # bytes: the largest single process (the kernel's ru_maxrss)
    tree_pss: int  # bytes: sum over the process tree, sampled; shared pages counted once
    stderr: str


@dataclass(frozen=True)
class Row:
    step: str
    result: Measurement
    runs: int


# Measuring one process


def _children(root: int) -> dict[int, list[int]]:
    """Parent -> children, of the processes started since root: pids grow (they wrap at
    pid_max, millions here), and reading every process's stat 20 times a second took CPU
    from the build being measured."""
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):  # noqa: PTH208 - a Path per process costs more
        if name.isdigit() and int(name) >= root:
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:
                continue  # gone since the listing
            parent = int(stat.rpartition(")")[2].split()[1])
            tree.setdefault(parent, []).append(int(name))
    return tree


def _descendants(root: int) -> Iterator[int]:
    tree = _children(root)
    stack = [root]
    while stack:
        pid = stack.pop()
        yield pid
        stack.extend(tree.get(pid, ()))


def _pss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed PSS of a process's descendants until stopped."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            total = sum(_pss(pid) for pid in _descendants(self.root) if pid != self.root)
            self.peak = max(self.peak, total)


# The kernel folds the RSS a child had before exec, a copy of its parent's, into its
# ru_maxrss; so each step is started by this small process, not by the benchmark's own.
WRAPPER = """\
import os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - began
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measure(cmd: Sequence[str], env: dict[str, str], scratch: Path) -> Measurement:
    """Run cmd to completion; fail loudly unless it exits 0."""
    report = scratch / "rusage.txt"
    wrapped = [sys.executable, "-I", "-S", "-c", WRAPPER, str(report), *cmd]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            wrapped, stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=scratch
        )
        sampler = TreeSampler(proc.pid)
        sampler.start()
        proc.wait()
        sampler.done.set()
        sampler.join()
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)}\nexited {proc.returncode}:\n{stderr}")
    wall, cpu, max_rss_kb = report.read_text().split()
    return Measurement(float(wall), float(cpu), int(max_rss_kb) * 1024, sampler.peak, stderr)


def median(runs: Sequence[Measurement]) -> Measurement:
    """The run of median wall time, so that its figures belong together."""
    ordered = sorted(runs, key=lambda m: m.wall)
    return ordered[(len(ordered) - 1) // 2]


# Archives


def archive_key(size: int, seed: int) -> str:
    """Names the generator's code and text, so a changed generator regenerates."""
    digest = hashlib.sha256()
    for path in (BENCH / "generate.py", generate.SENTENCES):
        digest.update(path.read_bytes())
    return json.dumps({"posts": size, "seed": seed, "generator": digest.hexdigest()[:16]})


def prepare_archive(root: Path, size: int, seed: int) -> tuple[Path, float | None]:
    """A complete archive of `size` posts under root: reused if its key matches, else made."""
    archive = root / f"finews-{size}-seed{seed}"
    marker = archive / ".generated"
    key = archive_key(size, seed)
    posts = archive / "_posts"
    if marker.is_file() and marker.read_text() == key and _count(posts) == size:
        return archive, None
    shutil.rmtree(archive, ignore_errors=True)
    began = time.perf_counter()
    generate.generate(size, archive, seed=seed)
    marker.write_text(key)
    return archive, time.perf_counter() - began


def _count(posts: Path) -> int:
    return sum(1 for _ in os.scandir(posts)) if posts.is_dir() else -1


def warm(paths: Iterable[Path]) -> int:
    """Read files so the timed runs find them in the page cache; return their bytes."""
    total = 0
    for path in paths:
        total += len(path.read_bytes())
    return total


# The steps


def state_dir(out: Path) -> Path:
    """The build's state folder (its cache): beside the output folder, emptied with it for
    a cold build. Left to its default ($XDG_CACHE_HOME), the cache of one run would serve
    the next, and of an earlier benchmark the first."""
    return out.with_name(out.name + "-state")


def empty(out: Path) -> None:
    """An output folder and its state folder removed: the next build is cold."""
    for path in (out, state_dir(out)):
        shutil.rmtree(path, ignore_errors=True)


@dataclass(frozen=True)
class Bench:
    python: str
    env: dict[str, str]
    scratch: Path
    config: Path
    extra: tuple[str, ...]
    repeat: int
    verbose: bool

    def build_cmd(self, archive: Path, out: Path) -> list[str]:
        cmd = [self.python, "-m", "feeds", "build", "--source", str(archive), "--out", str(out)]
        cmd += ["--state-dir", str(state_dir(out))]
        return [*cmd, "--config", str(self.config), *(["-v"] if self.verbose else []), *self.extra]

    def run(
        self, step: str, cmd: Sequence[str], runs: int, before: Callable[[int], None] | None = None
    ) -> Row:
        results = []
        for i in range(runs):
            if before is not None:
                before(i)
            results.append(measure(cmd, self.env, self.scratch))
        return Row(step, median(results), runs)


def bench_size(bench: Bench, archive: Path, size: int, seed: int, work: Path) -> list[Row]:
    python = bench.python
    out = Path(tempfile.mkdtemp(prefix=f"out-{size}-", dir=work))
    build = bench.build_cmd(archive, out)

    # The page cache here is small (about 1.3 GB) and shared: what a build writes, or the
    # machine's neighbours, can push the archive out of it. Every timed run, the floor's
    # and the builds', starts with the archive read again, so each finds it in memory.
    def rewarm(_: int = 0) -> None:
        posts = archive / "_posts"
        warm(sorted(posts.iterdir()))
        # Then what reading 540 MB may have pushed out: the folder's own entries, and the
        # build's state (cache, listing, folders, config files), which a rebuild reads.
        os.listdir(posts)  # noqa: PTH208 - the names, as the build lists them
        state = state_dir(out)
        warm(sorted(path for path in state.glob(".feeds*") if path.is_file()))

    def start_cold(_: int) -> None:
        empty(out)
        rewarm()

    added: list[Path] = []

    def add_posts(round_: int) -> None:
        added.extend(generate.generate(ADDED, archive, seed=seed, start=size + ADDED * round_))
        rewarm()

    rows = [
        bench.run("start-up: feeds --version", [python, "-m", "feeds", "--version"], 3),
        bench.run(
            "floor: read + CSafeLoader", [python, str(FLOOR), str(archive)], bench.repeat, rewarm
        ),
    ]
    # Each cold build starts from an empty output folder: a median of several, like the
    # floor's, as one run on a shared machine can be off by a third.
    rows.append(bench.run("cold build", build, bench.repeat, start_cold))
    rows.append(bench.run("no-change rebuild", build, bench.repeat, rewarm))
    try:
        rows.append(bench.run(f"+{ADDED} posts rebuild", build, bench.repeat, add_posts))
    finally:
        for path in added:
            path.unlink(missing_ok=True)
        empty(out)
    return rows


# Peers (issue 22)


@dataclass(frozen=True)
class Pair:
    feeds: Measurement
    hugo: Measurement


def hugo_site(scratch: Path, archive: Path, limit: int) -> tuple[Path, Path]:
    """A Hugo site in scratch for the archive: benchmarks/hugo/, and a config file that
    points its content at the archive's posts and sets the entries per feed (0: all).
    Returns (site, config argument)."""
    site = scratch / f"hugo-site-{limit}"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(HUGO_SITE, site)
    run = site / "run.toml"
    posts = json.dumps(str(archive / "_posts"))
    run.write_text(f"contentDir = {posts}\n[services.rss]\nlimit = {limit or -1}\n")
    return site, f"{site / 'hugo.toml'},{run}"


def peer_pairs(bench: Bench, archive: Path, work: Path, hugo: str, limit: int) -> list[Pair]:
    """Cold builds of feeds and Hugo, paired and interleaved (the first of each pair
    alternates), each into an empty folder with the archive read again just before."""
    site, config = hugo_site(work, archive, limit)
    out, hout = work / f"peer-feeds-{limit}", work / f"peer-hugo-{limit}"
    cache = work / f"peer-hugo-cache-{limit}"
    build = [*bench.build_cmd(archive, out), "--limit", str(limit), "-q"]
    hugo_cmd = [hugo, "--source", str(site), "--config", config, "--destination", str(hout)]
    hugo_cmd += ["--cacheDir", str(cache), "--quiet"]

    def cold(target: Path, cmd: list[str]) -> Measurement:
        for path in (target, cache):
            shutil.rmtree(path, ignore_errors=True)
        empty(target)
        warm(sorted((archive / "_posts").iterdir()))
        return measure(cmd, bench.env, bench.scratch)

    pairs = []
    for i in range(bench.repeat):
        if i % 2 == 0:
            ours = cold(out, build)
            theirs = cold(hout, hugo_cmd)
        else:
            theirs = cold(hout, hugo_cmd)
            ours = cold(out, build)
        pairs.append(Pair(ours, theirs))
    for path in (out, hout, cache, site):
        shutil.rmtree(path, ignore_errors=True)
    empty(out)
    return pairs


def peer_table(pairs_by_limit: dict[int, list[Pair]], size: int) -> list[str]:
    lines = [
        "| feeds cold / Hugo 0.111 RSS + Atom | pairs | wall ratio (median, range) | "
        "CPU ratio | feeds wall s | Hugo wall s | feeds / Hugo peak RSS MB | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for limit, pairs in pairs_by_limit.items():
        walls = sorted(p.feeds.wall / p.hugo.wall for p in pairs)
        cpus = sorted(p.feeds.cpu / p.hugo.cpu for p in pairs)
        ratio = statistics.median(walls)
        target = PEER_TARGETS.get((limit, size))
        verdict = "" if target is None else f"≤ {target:g} {'ok' if ratio <= target else 'MISSED'}"
        name = "50 entries a feed" if limit == 50 else "every post" if limit == 0 else str(limit)
        feeds_m = median([p.feeds for p in pairs])
        hugo_m = median([p.hugo for p in pairs])
        lines.append(
            f"| {name} | {len(pairs)} | {ratio:.3f} ({walls[0]:.3f}-{walls[-1]:.3f}) | "
            f"{statistics.median(cpus):.3f} | {feeds_m.wall:.2f} | {hugo_m.wall:.2f} | "
            f"{feeds_m.peak_rss / MB:.0f} / {hugo_m.peak_rss / MB:.0f} | {verdict} |"
        )
    return lines


def report_peers(
    bench: Bench, archive: Path, scratch: Path, size: int, limits: Sequence[int]
) -> None:
    hugo = shutil.which("hugo")
    if hugo is None:
        print("\npeers: Hugo is not installed (Debian: apt-get install hugo): skipped")
        return
    version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.split()
    print(
        f"\npeers at {size:,} posts: {' '.join(version[:2])}, paired cold builds, "
        "interleaved (see benchmarks/README.md)\n"
    )
    pairs = {limit: peer_pairs(bench, archive, scratch, hugo, limit) for limit in limits}
    print(*peer_table(pairs, size), sep="\n")


# Report


def machine_info(python: str) -> list[str]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()[1]
    usable = len(os.sched_getaffinity(0))
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version.split()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return [
        f"machine: {cpu}, {os.cpu_count()} cores ({usable} usable), {int(mem) / MB:.1f} GiB RAM, "
        f"{platform.system()} {platform.release()} {platform.machine()}",
        f"python: {version} ({python}), PyYAML C loader for the floor",
        f"load average at start: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}",
        f"feeds: {_git_revision()}",
    ]


def _git_revision() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    revision = git("rev-parse", "--short", "HEAD") or "not a git checkout"
    dirty = " with uncommitted changes" if git("status", "--porcelain", "--", "feeds") else ""
    return f"working tree at {revision}{dirty}"


def table(rows: Sequence[Row], size: int) -> list[str]:
    floor = next(r.result.wall for r in rows if r.step.startswith("floor"))
    lines = [
        "| step | runs | wall s | × floor | CPU s | peak RSS MB | tree PSS MB | target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        m = row.result
        lines.append(
            f"| {row.step} | {row.runs} | {m.wall:.2f} | {m.wall / floor:.3f} | {m.cpu:.2f} "
            f"| {m.peak_rss / MB:.0f} | {m.tree_pss / MB:.0f} | {_verdict(row, floor, size)} |"
        )
    return lines


def _verdict(row: Row, floor: float, size: int) -> str:
    checks = []
    if row.step in TARGETS:
        limit = TARGETS[row.step]
        ok = row.result.wall <= limit * floor
        checks.append(f"≤ {limit:g}× {'ok' if ok else 'MISSED'}")
    if "build" in row.step and size >= RSS_TARGET_SIZE:
        ok = row.result.peak_rss <= RSS_TARGET_MB * MB and row.result.tree_pss <= RSS_TARGET_MB * MB
        checks.append(f"≤ {RSS_TARGET_MB} MB {'ok' if ok else 'MISSED'}")
    return ", ".join(checks)


def stage_lines(rows: Sequence[Row]) -> list[str]:
    lines = []
    for row in rows:
        if "build" in row.step:
            for line in row.result.stderr.strip().splitlines():
                lines.append(f"  {row.step}: {line}")
    return lines


# Command line


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, tuple[str, ...]]:
    argv = list(argv)
    extra: tuple[str, ...] = ()
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], tuple(argv[cut + 1 :])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes, comma-separated")
    parser.add_argument(
        "--keep",
        type=Path,
        metavar="DIR",
        help="keep generated archives in DIR and reuse them (e.g. bench-data/, git-ignored); "
        "default: a temporary folder, removed afterwards",
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of the floor and of each build (median)"
    )
    parser.add_argument(
        "--python", default=sys.executable, help="interpreter for the floor and the builds"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="per-stage build timings")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also time Hugo on the same archive, in paired runs (skipped if not installed)",
    )
    parser.add_argument(
        "--peers-only", action="store_true", help="only the peers, not the floor and rebuilds"
    )
    parser.add_argument(
        "--peer-limits",
        default="50,0",
        help="entries per feed of the paired builds, comma-separated; 0: every post "
        "(default 50,0; Hugo held 2.9 GB for every post of 10,000)",
    )
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.peer_limits = [int(s) for s in args.peer_limits.split(",") if s.strip()]
    if args.repeat < 1 or any(s < 1 for s in args.sizes):
        parser.error("--sizes and --repeat must be positive")
    return args, extra


@contextmanager
def workspace(keep: Path | None) -> Iterator[tuple[Path, Path]]:
    """(where archives live, where scratch goes); both removed afterwards unless kept."""
    scratch = Path(tempfile.mkdtemp(prefix="feeds-bench-"))
    try:
        if keep is None:
            yield scratch / "archives", scratch
        else:
            keep.mkdir(parents=True, exist_ok=True)
            yield keep.resolve(), scratch
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def snapshot(scratch: Path) -> Path:
    """A copy of the working tree's feeds package, so that edits made while the benchmark
    runs (which change the tool's cache fingerprint) cannot reach the timed builds."""
    src = scratch / "src"
    shutil.copytree(ROOT / "feeds", src / "feeds", ignore=shutil.ignore_patterns("__pycache__"))
    return src


def source_digest(src: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted((src / "feeds").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def child_env(scratch: Path, src: Path) -> dict[str, str]:
    """The snapshot's feeds, with compiled byte code in the scratch folder."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed tool has its .pyc files
    env["PYTHONPYCACHEPREFIX"] = str(scratch / "pycache")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    return env


def main(argv: Sequence[str] | None = None) -> None:
    args, extra = parse_args(sys.argv[1:] if argv is None else argv)
    print(f"feeds benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(*machine_info(args.python), sep="\n")
    print(
        "method: each step is a fresh process, timed by wall clock (start-up included); "
        f"median of {args.repeat} runs, each cold build from an empty output folder. "
        "Warm cache: the archive (and the build's state) is read again before every timed "
        "run (the page cache cannot be dropped here).\n"
        "memory: peak RSS = largest single process (its ru_maxrss, from wait4 in a small "
        "launcher); "
        f"tree PSS = sum over the process tree, sampled every {SAMPLE_SECONDS * 1000:.0f} ms."
    )
    if extra:
        print(f"build arguments: {' '.join(extra)}")
    with workspace(args.keep) as (archives, scratch):
        src = snapshot(scratch)
        print(f"feeds: source digest {source_digest(src)}, copied at start")
        env = child_env(scratch, src)
        config = scratch / "feeds.toml"
        config.write_text(BUILD_CONFIG, encoding="utf-8")
        compile_feeds = [args.python, "-m", "compileall", "-q", str(src / "feeds")]
        subprocess.run(compile_feeds, env=env, check=True, stdout=subprocess.DEVNULL)
        bench = Bench(args.python, env, scratch, config, extra, args.repeat, args.verbose)
        for size in args.sizes:
            report_size(bench, archives, scratch, size, args)


def report_size(
    bench: Bench, archives: Path, scratch: Path, size: int, args: argparse.Namespace
) -> None:
    archive, generated = prepare_archive(archives, size, args.seed)
    volume = warm(sorted((archive / "_posts").iterdir()))
    made = f"generated in {generated:.1f} s" if generated is not None else "reused"
    print(f"\n## {size:,} posts ({volume / MB:.0f} MB, seed {args.seed}, {made}: {archive})\n")
    if not args.peers_only:
        rows = bench_size(bench, archive, size, args.seed, scratch)
        print(*table(rows, size), sep="\n")
        if bench.verbose:
            print("\nbuild output:", *stage_lines(rows), sep="\n")
    if args.peers or args.peers_only:
        report_peers(bench, archive, scratch, size, args.peer_limits)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
