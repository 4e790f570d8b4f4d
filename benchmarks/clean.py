"""CPU time to clean one entry: from a post's text to its Atom and RSS entry XML.

    python benchmarks/clean.py [--posts N] [--rounds R] [--seed S] [--source DIR ...]

Runs the build's own functions on every post of `tests/data/finews` (the real sample)
and of a generated archive of N posts (benchmarks/generate.py, by body shape), each post
R times in R interleaved rounds, and prints, per entry, the median and 95th percentile
of its CPU time (`time.process_time`, not wall time: the machine may be shared), with a
breakdown by stage. The stages are told by the build itself (the `lap` of
feeds.content.entries.make_entry and feeds.content.cleaning.clean_body), so they are the
build's stages, not a copy of them: read (the file again), markdown, parse, rules,
sanitize, summary, serialize (the cleaned fragment), feed xml (the Atom <entry> and
RSS <item>, as a cold build makes them). The target (issue 22) is on the real
sample's median, read excluded. Then one post of 8,500 paragraphs (`--giant`) in each of
a few shapes, rendered and cleaned: the target is under a second each.
"""

import argparse
import inspect
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
SAMPLE = ROOT / "tests" / "data" / "finews"
CONFIG = """\
url = "https://finews.withounder.com"
timezone = "Asia/Shanghai"
cleaning = "finews"
limit = 50
"""
TARGET_MS = 0.45  # median CPU per entry on the real sample, read excluded (issue 22)
STAGES = ("markdown", "parse", "rules", "sanitize", "summary", "serialize", "feed xml")
ERAS = {0: "opening post", 1: "early", 2: "early", 3: "early", 4: "early"}
ERAS |= {5: "eastmoney", 6: "media"}

# The working tree's package, or another tree's for an A/B comparison.
sys.path.insert(0, os.environ.get("FEEDS_TREE", str(ROOT)))

from feeds.config import load_config  # noqa: E402
from feeds.content import entries  # noqa: E402
from feeds.content.cleaning import clean_body  # noqa: E402
from feeds.content.markdown import render_markdown  # noqa: E402
from feeds.errors import PostError  # noqa: E402
from feeds.formats.atom_rss import FeedDocument  # noqa: E402
from feeds.model import Entry, PlannedFeed, Post, Site  # noqa: E402
from feeds.plan.feeds import planned_entry  # noqa: E402
from feeds.source.posts import Unpublished, load_front_matter, parse_post, read_post  # noqa: E402

# Code from before the lap was added (an A/B run against an older tree) is timed whole.
STAGED = "lap" in inspect.signature(entries.make_entry).parameters


class Stopwatch:
    """CPU seconds by stage: each lap adds the time since the last one to its stage."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.last = time.process_time()

    def __call__(self, stage: str) -> None:
        now = time.process_time()
        self.spent[stage] += now - self.last
        self.last = now


@dataclass(frozen=True)
class Sample:
    shape: str
    post: Post


def load_posts(source: Path, shape_of: Callable[[str], str]) -> tuple[Site, list[Sample]]:
    """The source's posts as a build reads them: front matter parsed, config as run.py's."""
    with tempfile.TemporaryDirectory() as scratch:
        config_path = Path(scratch) / "feeds.toml"
        config_path.write_text(CONFIG, encoding="utf-8")
        config = load_config(config_path, source=source, out=Path(scratch) / "out")
    samples = []
    for path in sorted((source / "_posts").iterdir()):
        relpath = path.relative_to(source).as_posix()
        try:
            text = read_post(path, relpath)
            if text is None:
                continue
            post = parse_post(relpath, load_front_matter(text.front, relpath), config.site)
        except (PostError, Unpublished):
            continue
        samples.append(Sample(shape_of(path.name), post))
    return config.site, samples


def entry_cost(sample: Sample, source: Path, site: Site) -> dict[str, float] | None:
    """CPU seconds by stage for one post, or None when the build would skip it."""
    watch = Stopwatch()
    try:
        if STAGED:
            entry: Entry = entries.make_entry(sample.post, source, "finews", lap=watch)
        else:
            entry = entries.make_entry(sample.post, source, "finews")
    except PostError:
        return None
    watch("serialize" if STAGED else "total")
    feed = one_entry_feed(entry, site)
    document = FeedDocument(feed)  # the channel: once a feed, not an entry
    watch.last = time.process_time()
    for fmt in ("atom", "rss"):  # as a cold build makes each entry (keeping no XML)
        document._element(0, fmt)
    watch("feed xml")
    return dict(watch.spent)


def one_entry_feed(entry: Entry, site: Site) -> PlannedFeed:
    planned = planned_entry(entry, site, {})
    return PlannedFeed(
        path="",
        url=site.url + "/",
        home=site.url + "/",
        index=site.url + "/index.html",
        files=("atom.xml", "rss.xml"),
        title=site.title,
        subtitle="",
        language=site.language,
        author=planned.authors[0] if planned.authors else site.author,  # type: ignore[arg-type]
        updated=planned.updated,
        entries=(planned,),
    )


def measure(
    samples: Sequence[Sample], source: Path, site: Site, rounds: int
) -> list[tuple[str, dict[str, float]]]:
    """Each post's median cost per stage over `rounds` rounds, each round every post once."""
    runs: list[list[dict[str, float]]] = [[] for _ in samples]
    for _ in range(rounds):
        for i, sample in enumerate(samples):
            cost = entry_cost(sample, source, site)
            if cost is not None:
                runs[i].append(cost)
    medians = []
    for sample, costs in zip(samples, runs, strict=True):
        if costs:
            stages = {stage for cost in costs for stage in cost}
            medians.append(
                (
                    sample.shape,
                    {s: statistics.median(cost.get(s, 0.0) for cost in costs) for s in stages},
                )
            )
    return medians


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def table(title: str, costs: Sequence[tuple[str, dict[str, float]]]) -> Iterator[str]:
    """One row per shape (and all): entries, median and p95 of the total, stage medians."""
    stages = [s for s in (*STAGES, "total") if any(s in cost for _, cost in costs)]
    yield f"## {title}"
    yield ""
    head = "| shape | entries | median ms | p95 ms | with read ms | read ms | "
    yield head + " | ".join(stages) + " |"
    yield "| --- | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in stages) + " |"
    shapes = sorted({shape for shape, _ in costs})
    for shape in [*shapes, "all"] if len(shapes) > 1 else shapes:
        chosen = [cost for s, cost in costs if shape in ("all", s)]
        totals = [sum(v for k, v in cost.items() if k != "read") for cost in chosen]
        cells = [
            f"{1000 * statistics.median(cost.get(stage, 0.0) for cost in chosen):.3f}"
            for stage in ["read", *stages]
        ]
        whole = statistics.median(sum(cost.values()) for cost in chosen)
        yield (
            f"| {shape} | {len(chosen)} | {1000 * statistics.median(totals):.3f} | "
            f"{1000 * percentile(totals, 0.95):.3f} | {1000 * whole:.3f} | "
            + " | ".join(cells)
            + " |"
        )
    yield ""


GIANT_TARGET_S = 1.0  # a post of 8,500 paragraphs (issue 22)
_S = "上证指数今日收涨，成交额超过一万亿元。"
_CHART = '<p><img src="http://webquoteklinepic.eastmoney.com/GetPic.aspx?nid=1.{i}"></p>'
# Bodies of n paragraphs, each shape one the cleaning rules treat in their own way.
GIANT_SHAPES: dict[str, Callable[[int], str]] = {
    "Markdown paragraphs": lambda n: "".join(
        f"{_S}{i} **b** [l](http://a/{i})\n\n" for i in range(n)
    ),
    "HTML paragraphs, <br> at the end": lambda n: "".join(
        f"<p>{_S}{i}<br /></p>\n" for i in range(n)
    ),
    "hidden and empty paragraphs": lambda n: "".join(
        f"<p style='display:none'>{i}</p><p>&nbsp;</p><p>{_S}</p>\n" for i in range(n)
    ),
    "ticker spans": lambda n: "".join(
        f"<p><span>{_S}</span><span id='stock_1'>{i}</span></p>\n" for i in range(n)
    ),
    "figures and credits": lambda n: "".join(
        f"<center><img src='a{i}.png'></center>\n<p>图源：新华社</p>\n" for i in range(n)
    ),
    "charts in one <div>": lambda n: (
        "<div>" + "".join(f"<p>{_S}{i}</p>{_CHART.format(i=i)}\n" for i in range(n)) + "</div>"
    ),
    "navigation footers": lambda n: "".join(
        f"<p>{_S}</p>\n\n[返回{i}](/x)｜[返回首页](/)\n\n" for i in range(n)
    ),
    "autolinks": lambda n: "".join(
        f"{_S}\n\n<http://finance.eastmoney.com/news/1354,{i}.html>\n\n" for i in range(n)
    ),
}


def giant(paragraphs: int) -> Iterator[str]:
    """CPU seconds to render and clean one post of that many paragraphs, by shape."""
    yield f"## one post of {paragraphs:,} paragraphs, CPU s to render and clean it"
    yield ""
    yield "| shape | CPU s |"
    yield "| --- | ---: |"
    worst = 0.0
    for shape, body in GIANT_SHAPES.items():
        text = body(paragraphs)
        began = time.process_time()
        html = render_markdown(text)
        clean_body(html, base_url="https://finews.withounder.com/emnews/2022/01/21/x.html")
        spent = time.process_time() - began
        worst = max(worst, spent)
        yield f"| {shape} | {spent:.3f} |"
    verdict = "met" if worst < GIANT_TARGET_S else "MISSED"
    yield ""
    yield f"target: under {GIANT_TARGET_S:g} s for each shape: {worst:.3f} s at most, {verdict}"
    yield ""


def machine() -> list[str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"feeds cleaning benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"machine: {model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        f"python: {platform.python_version()} ({sys.executable})",
        f"load average at start: {load} (CPU time is measured, not wall time)",
        f"code: {Path(entries.__file__).resolve().parent.parent}"
        + ("" if STAGED else " (no stage laps: timed whole)"),
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000, help="generated posts (default 2000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds over every post (5)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument("--no-sample", action="store_true", help="skip tests/data/finews")
    parser.add_argument(
        "--giant", type=int, default=8500, help="paragraphs of the giant posts (8500; 0: none)"
    )
    args = parser.parse_args(argv)
    print("\n".join(machine()), end="\n\n")
    if not args.no_sample:
        site, samples = load_posts(SAMPLE, lambda name: "finews sample")
        costs = measure(samples, SAMPLE, site, args.rounds)
        print("\n".join(table(f"real sample: {SAMPLE.relative_to(ROOT)}", costs)))
        median = statistics.median(
            sum(v for k, v in cost.items() if k != "read") for _, cost in costs
        )
        verdict = "met" if 1000 * median <= TARGET_MS else "MISSED"
        print(f"target: ≤ {TARGET_MS} ms median per entry on the real sample: ", end="")
        print(f"{1000 * median:.3f} ms, {verdict}\n")
    if args.posts:
        sys.path.insert(0, str(BENCH))
        import generate

        eras = {
            generate.plan(args.seed, i).filename: ERAS[generate.plan(args.seed, i).era]
            for i in range(args.posts)
        }
        with tempfile.TemporaryDirectory() as scratch:
            site_dir = Path(scratch) / "site"
            generate.generate(args.posts, site_dir, seed=args.seed, jobs=1)
            site, samples = load_posts(site_dir, lambda name: eras.get(name, "?"))
            costs = measure(samples, site_dir, site, args.rounds)
        title = f"generated: {args.posts} posts, seed {args.seed}, by body shape"
        print("\n".join(table(title, costs)))
    if args.giant:
        print("\n".join(giant(args.giant)))


if __name__ == "__main__":
    main()
