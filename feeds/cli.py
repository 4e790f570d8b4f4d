"""The command line: options, messages and exit codes. No business logic."""

import contextlib
import os
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from feeds import __version__
from feeds.config import Config, load_config
from feeds.errors import BuildError, ConfigError, LockedError, PublishError
from feeds.model import Report
from feeds.pipeline import publish
from feeds.workers import default_jobs

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SKIPPED = 3
EXIT_LOCKED = 4
EXIT_PINGS = 5
PROGRESS_MINIMUM = 2000

EXIT_CODES_HELP = """\b
Exit codes:
  0  all feeds written (or already up to date), no post skipped
  1  nothing published: no posts, source missing or empty (is it mounted?),
     a sharp drop in posts (see --force), --strict with skipped posts, a
     folder that cannot be listed and that no cache records, a state or cache
     file that is a symbolic link, or an output error (each feed stays whole:
     its last version or the new one)
  2  usage or config error (the message names the file and key), or a state
     folder that cannot be made (see --state-dir)
  3  feeds written, but some posts were skipped, or kept as last published
     while their files or folders cannot be read (each named on stderr)
  4  another build holds the lock on the output folder
  5  feeds written (or already up to date), but some WebSub hub pings failed
     (each named on stderr, and tried again at the next build); 3 wins over 5
"""


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feeds")
def cli() -> None:
    """Publish Atom and RSS feeds, per category and combined, from Jekyll-style posts."""


# The options `build` and `watch` share, each written once.
SOURCE = click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of posts, or a Jekyll site. [default: seeds, or 'source' in the config]",
)
OUT = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder the feeds are written to. [default: out, or 'out' in the config]",
)
LIMIT = click.option(
    "--limit", type=click.IntRange(min=0), help="Entries per feed; 0 for all. [default: 50]"
)
FUTURE = click.option("--future", is_flag=True, help="Include posts dated in the future.")
CACHE = click.option(
    "--cache",
    "cache_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The build cache file. [default: .feeds-cache.sqlite in the state folder]",
)
STATE_DIR = click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the build's private files: state, cache, Jekyll snapshot; never "
    "served. [default: 'state_dir' in the config, else $XDG_CACHE_HOME/feeds/OUTNAME-HASH]",
)
JOBS = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes for scanning and cleaning. [default: all cores]",
)


def config_option(text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), help=text
    )


@cli.command(epilog=EXIT_CODES_HELP)
@SOURCE
@OUT
@config_option("TOML config file. [default: feeds.toml, if present]")
@LIMIT
@FUTURE
@click.option("--strict", is_flag=True, help="Fail, publishing nothing, if any post is skipped.")
@click.option(
    "--force",
    is_flag=True,
    help="Publish even if far fewer posts are found than at the last build.",
)
@CACHE
@STATE_DIR
@JOBS
@click.option("-v", "--verbose", is_flag=True, help="Also print the time spent in each stage.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line; only problems.")
def build(
    source: Path | None,
    out: Path | None,
    config_path: Path | None,
    limit: int | None,
    future: bool,
    strict: bool,
    force: bool,
    cache_path: Path | None,
    state_dir: Path | None,
    jobs: int | None,
    verbose: bool,
    quiet: bool,
) -> None:
    """Read the posts and write out/atom.xml, out/rss.xml and out/<category>/{atom,rss}.xml.

    Nothing is printed on stdout. Each skipped post gets one line on stderr, naming the
    file, the stage and the reason; a summary line follows unless --quiet.

    The output folder holds only what subscribers fetch: what the build keeps for the next
    one lives in the state folder (--state-dir), $XDG_CACHE_HOME (~/.cache) by default.
    """
    config_path = _config_path(config_path)
    overrides = {"strict": strict, "force": force, **_overrides(limit, future, cache_path)}
    report = Report()
    try:
        config = load_config(
            config_path, source=source, out=out, state_dir=state_dir, overrides=overrides
        )
        publish(
            config,
            now=datetime.now(UTC),
            report=report,
            jobs=jobs or default_jobs(),
            progress=terminal_progress,
        )
    except ConfigError as exc:
        _fail(report, f"config error: {exc}", EXIT_USAGE)
    except LockedError as exc:
        _fail(report, str(exc), EXIT_LOCKED)
    except (BuildError, PublishError) as exc:
        _fail(report, f"{exc}", EXIT_FAILED)
    except OSError as exc:
        _fail(report, _os_error(exc), EXIT_FAILED)
    except sqlite3.Error as exc:
        _fail(report, _cache_error(exc), EXIT_FAILED)
    except Exception as exc:  # a bug: say so on one line, as cron expects, and fail
        if verbose:
            import traceback  # here: it costs a rebuild's start-up 5-10 ms

            traceback.print_exc()
        _fail(report, f"internal error: {type(exc).__name__}: {exc} (-v shows where)", EXIT_FAILED)
    _print_problems(report)
    if not quiet:
        click.echo(_summary(report), err=True)
    if verbose:
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in report.timings.items())
        click.echo(f"feeds: time per stage: {stages}", err=True)
    sys.exit(_exit_code(report))


def _exit_code(report: Report) -> int:
    """3 over 5: a skipped post needs a person; a failed ping is tried again by itself."""
    if report.errors:
        return EXIT_SKIPPED
    return EXIT_PINGS if report.pings_failed else EXIT_OK


@cli.command()
@SOURCE
@OUT
@config_option("TOML config file, read again when it changes. [default: feeds.toml, if present]")
@LIMIT
@FUTURE
@CACHE
@STATE_DIR
@JOBS
@click.option(
    "--debounce",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="Milliseconds a burst of changes is gathered before a build starts.",
)
@click.option(
    "--full-check",
    type=click.FloatRange(min=1),
    default=600.0,
    show_default=True,
    help="Seconds between full checks of the source (as `build` lists it).",
)
@click.option("-q", "--quiet", is_flag=True, help="No line per build; only problems.")
def watch(
    source: Path | None,
    out: Path | None,
    config_path: Path | None,
    limit: int | None,
    future: bool,
    cache_path: Path | None,
    state_dir: Path | None,
    jobs: int | None,
    debounce: int,
    full_check: float,
    quiet: bool,
) -> None:
    """Build as `build` does each time the source changes, until SIGTERM or SIGINT.

    One line per build on stderr (what changed, what was written, how long it took), and
    a line for each post skipped. A failed build publishes nothing and is tried again.
    Exits 0 on SIGTERM or SIGINT, once the build under way is done; 2 for a bad config
    at start (a bad config later is reported, and the last good one kept).
    """
    from feeds.watch import Watcher  # here: `build` never loads watchfiles

    config_path = _config_path(config_path)
    overrides = _overrides(limit, future, cache_path)

    def load() -> Config:
        return load_config(
            config_path, source=source, out=out, state_dir=state_dir, overrides=overrides
        )

    try:
        watcher = Watcher(
            load,
            config_path,
            jobs=jobs or default_jobs(),
            log=lambda line: click.echo(line, err=True),
            quiet=quiet,
            debounce_ms=debounce,
            full_every=full_check,
        )
    except ConfigError as exc:
        _fail(Report(), f"config error: {exc}", EXIT_USAGE)
    watcher.run()


def _config_path(given: Path | None) -> Path | None:
    """The config file: the one given, else feeds.toml in the working folder if there."""
    if given is None and Path("feeds.toml").is_file():
        return Path("feeds.toml")
    return given


def _overrides(limit: int | None, future: bool, cache_path: Path | None) -> dict[str, object]:
    """The config values the command line sets: only those given."""
    overrides: dict[str, object] = {}
    if future:  # else `future:` in _config.yml says
        overrides["future"] = True
    if limit is not None:
        overrides["limit"] = limit
    if cache_path is not None:
        overrides["cache"] = cache_path
    return overrides


def terminal_progress(label: str, total: int) -> Callable[[int], None]:
    """A progress bar on a terminal, for long stages; nothing under cron."""
    if total < PROGRESS_MINIMUM or not sys.stderr.isatty():
        return lambda done: None
    bar = click.progressbar(length=total, label=label, file=sys.stderr)
    shown = 0

    def advance(done: int) -> None:
        nonlocal shown
        bar.update(done - shown)
        shown = done
        if done >= total:
            bar.render_finish()

    return advance


def _summary(report: Report) -> str:
    parts = [f"read {report.posts_read} posts", f"skipped {report.posts_skipped}"]
    if report.posts_ignored:
        parts.append(f"left out {report.posts_ignored} unpublished or future")
    parts.append(f"wrote {report.feeds_written} feeds ({report.feeds_unchanged} unchanged)")
    if report.feeds_removed:
        parts.append(f"removed {report.feeds_removed}")
    if report.pings_sent:
        unheard = report.pings_sent - report.pings_heard
        failed = f" ({unheard} failed)" if unheard else ""
        parts.append(f"pinged hubs for {report.pings_sent} feed URLs{failed}")
    return "feeds: " + ", ".join(parts)


def _print_problems(report: Report) -> None:
    for line in [*report.errors, *report.warnings, *report.pings_failed]:
        click.echo(line, err=True)


def _os_error(exc: OSError) -> str:
    """`out/emnews: No space left on device`, not `[Errno 28] ...`."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}; no feed was left half-written"


def _cache_error(exc: sqlite3.Error) -> str:
    if getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return f"the build cache: {exc}: the disk is full; free some space, then run again"
    return f"the build cache: {exc}; delete it, or set another with --cache"


def _fail(report: Report, message: str, code: int) -> None:
    _print_problems(report)
    click.echo(f"feeds: error: {message}", err=True)
    sys.exit(code)


def main() -> None:
    """Run the command, then leave without taking the interpreter down object by object:
    freeing a rebuild's 100,000 paths and stamps took 20-30 ms of a 0.4 s rebuild. By
    then every file is closed, every child process reaped and the lock released; only
    the standard streams are left to flush."""
    try:
        cli()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a closed stream
            stream.flush()
    os._exit(code)


def _exit_status(code: object) -> int:
    """What the interpreter would exit with for sys.exit(code)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1
