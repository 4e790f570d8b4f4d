"""How soon a new post is in the feeds: under `feeds watch`, and with `feeds build` run
right after it lands, on synthetic archives of 10,000 and 100,000 posts.

    python benchmarks/latency.py [--sizes 10000,100000] [--posts 20] [--keep DIR]
    python benchmarks/latency.py --memory [--sizes 10000] [--added 1000]

A post is written under a hidden name beside `_posts/` files, then renamed in, as a
scraper lands one whole; the clock runs from the rename until (a) its category's feed and
the combined feed both hold it (their stamps polled, each read when it changes), or (b)
a WebSub subscriber on loopback has received, from a real hub, the combined Atom feed
holding it: `feeds watch` runs with `hubs` set, and the hub (Flask-WebSub's, its tasks
eager, from tests/websub_hub.py: it needs the `test` extra) fetches the feed from a
loopback server of the output folder when pinged, and posts it to the subscriber. Each
measurement is a function (see MEASUREMENTS). `--memory`: the RSS of `feeds watch` after
the first post added and after `--added` posts, one at a time, each waited for.
"""

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import generate
from run import (
    BUILD_CONFIG,
    ROOT,
    child_env,
    machine_info,
    prepare_archive,
    snapshot,
    workspace,
)

POLL_SECONDS = 0.002  # the feed files' stamps are asked this often
PAUSE_SECONDS = 0.5  # between two posts, so that each is measured alone
TIMEOUT = 300.0  # a post not published by then fails the run
MB = 1024 * 1024
SITE_URL = "https://finews.withounder.com"  # BUILD_CONFIG's


@dataclass
class Site:
    """One archive being measured: its feeds, the command's environment, the posts
    added so far (removed at the end)."""

    python: str
    env: dict[str, str]
    config: Path
    archive: Path
    out: Path
    state: Path
    seed: int
    size: int
    added: list[Path] = field(default_factory=list)

    def command(self, verb: str, *extra: str) -> list[str]:
        return [
            *(self.python, "-m", "feeds", verb, "--source", str(self.archive)),
            *("--out", str(self.out), "--state-dir", str(self.state)),
            *("--config", str(self.config), *extra),
        ]

    def next_post(self) -> tuple[str, bytes, str, str]:
        """The next post: its file name, bytes, id code and category."""
        index = self.size + len(self.added)
        plan = generate.plan(self.seed, index, self.size)
        [(name, data)] = generate.render_posts(self.seed, self.size, index, index + 1)
        return name, data, plan.code, plan.outlet.category

    def land(self) -> tuple[float, str, str]:
        """Write the next post under a hidden name, rename it into _posts; the time of
        the rename, the post's id code and category."""
        name, data, code, category = self.next_post()
        posts = self.archive / "_posts"
        temp = posts / f".{name}.tmp"
        temp.write_bytes(data)
        path = posts / name
        self.added.append(path)
        landed = time.perf_counter()
        temp.rename(path)
        return landed, code, category

    def feeds_of(self, category: str) -> tuple[Path, Path]:
        state = json.loads((self.state / ".feeds-state.json").read_text(encoding="utf-8"))
        return self.out / "atom.xml", self.out / state["slugs"].get(category, category) / "atom.xml"

    def wait_published(self, code: str, category: str) -> float:
        """When both feeds of the post hold it (perf_counter)."""
        marker = code.encode()
        deadline = time.perf_counter() + TIMEOUT
        seen: dict[Path, tuple[int, int] | None] = {}
        held: set[Path] = set()
        while time.perf_counter() < deadline:
            try:
                feeds = self.feeds_of(category)
            except (OSError, ValueError, KeyError):
                feeds = (self.out / "atom.xml",)
            for feed in feeds:
                if feed in held:
                    continue
                try:
                    st = feed.stat()
                except OSError:
                    continue
                stamp = (st.st_ino, st.st_mtime_ns)
                if seen.get(feed) != stamp:
                    seen[feed] = stamp
                    if marker in feed.read_bytes():
                        held.add(feed)
            if len(held) == 2:
                return time.perf_counter()
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"post {code} not in the feeds after {TIMEOUT:g} s")

    def remove_added(self) -> None:
        for path in self.added:
            path.unlink(missing_ok=True)
        self.added.clear()


class Watch:
    """`feeds watch` on the site, its stderr lines gathered."""

    def __init__(self, site: Site) -> None:
        cmd = site.command("watch")
        self.proc = subprocess.Popen(cmd, env=site.env, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + TIMEOUT
        while not any(" build 1: " in line for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("feeds watch did not start:\n" + "\n".join(self.lines))
            time.sleep(0.05)

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line.rstrip("\n"))

    def rss(self) -> int:
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        found = re.search(r"^VmRSS:\s+(\d+) kB", text, re.MULTILINE)
        assert found is not None
        return int(found.group(1)) * 1024

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(TIMEOUT)


@contextmanager
def watching(site: Site) -> Iterator[Watch]:
    watch = Watch(site)
    try:
        yield watch
    finally:
        watch.stop()


# The measurements: each lands `posts` posts one by one and gives each one's latency (s).


def under_watch(site: Site, posts: int) -> list[float]:
    """From the rename until both feeds hold the post, with `feeds watch` running."""
    latencies = []
    with watching(site):
        for _ in range(posts):
            landed, code, category = site.land()
            latencies.append(site.wait_published(code, category) - landed)
            time.sleep(PAUSE_SECONDS)
    return latencies


def build_after(site: Site, posts: int) -> list[float]:
    """From the rename until both feeds hold the post, `feeds build` started right after
    it lands (as a cron build that happens to start then; start-up included)."""
    latencies = []
    for _ in range(posts):
        landed, code, category = site.land()
        subprocess.run(site.command("build", "-q"), env=site.env, check=True)
        latencies.append(site.wait_published(code, category) - landed)
    return latencies


def through_hub(site: Site, posts: int) -> list[float]:
    """From the rename until a WebSub subscriber has received the combined Atom feed
    holding the post from a hub, with `feeds watch` running and `hubs` set. The site is
    served from its own output folder, on the loopback URL the hub fetches from."""
    sys.path.insert(0, str(ROOT / "tests"))
    from websub_hub import websub  # Flask-WebSub: the `test` extra

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    scratch = site.config.parent
    latencies = []
    with websub(scratch / f"out-hub-{site.size}", scratch / "hub.sqlite", record=False) as ws:
        config = scratch / "feeds-hub.toml"
        hubs = f"hubs = [{json.dumps(ws.hub.url)}]\n"
        config.write_text(BUILD_CONFIG.replace(SITE_URL, ws.site) + hubs, encoding="utf-8")
        out, state = scratch / f"out-hub-{site.size}", scratch / f"state-hub-{site.size}"
        hubbed = replace(site, config=config, out=out, state=state)
        subprocess.run(hubbed.command("build", "-q"), env=site.env, check=True)  # cold
        topic = f"{ws.site}/atom.xml"
        ws.subscribe(topic)
        with watching(hubbed):
            for _ in range(posts):
                landed, code, _ = hubbed.land()
                latencies.append(_delivered(ws.subscriber.timed, code.encode()) - landed)
                time.sleep(PAUSE_SECONDS)
    return latencies


def _delivered(timed: list[tuple[float, bytes]], marker: bytes) -> float:
    """When the first delivery holding `marker` arrived (perf_counter)."""
    deadline, seen = time.perf_counter() + TIMEOUT, 0
    while time.perf_counter() < deadline:
        for arrived, body in timed[seen:]:
            if marker in body:
                return arrived
            seen += 1
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"no delivery held {marker.decode()} after {TIMEOUT:g} s")


MEASUREMENTS: dict[str, Callable[[Site, int], list[float]]] = {
    "(a) feeds watch": under_watch,
    "(b) feeds watch, hub to subscriber": through_hub,
    "feeds build right after": build_after,
}


def p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def measure_size(site: Site, posts: int, only: str | None) -> None:
    print(f"\n## {site.size:,} posts\n")
    print("| measurement | posts | median | p95 | max |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, measure in MEASUREMENTS.items():
        if only and name.split()[0] not in only.split(","):
            continue
        values = measure(site, posts)
        print(
            f"| {name} | {len(values)} | {statistics.median(values) * 1000:.0f} ms "
            f"| {p95(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms |",
            flush=True,
        )


def measure_memory(site: Site, added: int) -> None:
    """RSS of feeds watch after the first post and every tenth of `added`, each post
    waited for: a leak grows from checkpoint to checkpoint, a warm-up levels off."""
    print(f"\n## memory of feeds watch, {site.size:,} posts, {added:,} added one by one\n")
    every = max(1, added // 10)
    with watching(site) as watch:
        print(f"RSS at start (after the full check): {watch.rss() / MB:.1f} MB")
        first = 0
        for n in range(1, added + 1):
            _, code, category = site.land()
            site.wait_published(code, category)
            if n == 1:
                first = watch.rss()
            if n == 1 or n % every == 0:
                rss = watch.rss()
                print(f"RSS after {n:,} posts: {rss / MB:.1f} MB ({rss / first:.2f}× the first)")
                sys.stdout.flush()
        builds = sum(" build " in line for line in watch.lines) - 1
    print(f"({builds} builds for {added:,} posts)")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes, comma-separated")
    parser.add_argument("--posts", type=int, default=20, help="posts per measurement (20)")
    parser.add_argument("--memory", action="store_true", help="measure RSS instead")
    parser.add_argument("--added", type=int, default=1000, help="posts added for --memory")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--keep", type=Path, help="keep and reuse the archives in this folder")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run")
    parser.add_argument("--only", help="measurements to run: names' first words, e.g. (b)")
    args = parser.parse_args(argv)
    print(*machine_info(args.python), sep="\n")
    print(
        "Shared machine: other processes run beside these, so the figures are noisy.\n"
        f"Latency: rename into _posts/ until both feeds hold the post, their stamps polled "
        f"every {POLL_SECONDS * 1000:g} ms; {PAUSE_SECONDS:g} s between posts under watch."
    )
    with workspace(args.keep) as (archives, scratch):
        src = snapshot(scratch)
        env = child_env(scratch, src)
        config = scratch / "feeds.toml"
        config.write_text(BUILD_CONFIG, encoding="utf-8")
        for size in (int(s) for s in args.sizes.split(",")):
            archive, _ = prepare_archive(archives, size, args.seed)
            out, state = scratch / f"out-{size}", scratch / f"state-{size}"
            site = Site(args.python, env, config, archive, out, state, args.seed, size)
            try:
                subprocess.run(site.command("build", "-q"), env=env, check=True)  # cold
                if args.memory:
                    measure_memory(site, args.added)
                else:
                    measure_size(site, args.posts, args.only)
            finally:
                site.remove_added()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
