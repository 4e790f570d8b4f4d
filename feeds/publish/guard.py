"""The drop guard: nothing is published when far fewer posts are found than lately."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from feeds.errors import BuildError
from feeds.publish.state import State

PEAK_DAYS = 30


def recent_peaks(peaks: dict[str, int], today: date) -> dict[str, int]:
    """The daily peaks of the last PEAK_DAYS days, today's included (none of a day to
    come, which only a clock set back, or a tampered file, could give)."""
    first, last = (today - timedelta(days=PEAK_DAYS - 1)).isoformat(), today.isoformat()
    return {day: posts for day, posts in peaks.items() if first <= day <= last}


def guard(
    state: State, previous: State, now: datetime, *, source: Path, max_drop: float, force: bool
) -> None:
    """Refuse to publish when far fewer posts are found than lately: a missing mount, or
    one losing files. The mark is the most posts of a build in the last days, or of the
    last build if more; --force publishes anyway and starts the mark again."""
    today = now.astimezone(UTC).date()
    peaks = recent_peaks(previous.peaks, today)
    mark, day = max(((posts, day) for day, posts in peaks.items()), default=(0, ""))
    if previous.posts >= mark:  # the last build (or a state file from before the peaks)
        mark, day = previous.posts, ""
    posts = state.posts
    if force:
        peaks = {}
    elif mark > 0 and posts < mark * (1 - max_drop):
        when = f"at a build on {day}" if day else "at the last build"
        raise BuildError(
            f"{source}: {posts} publishable posts, down from {mark} {when} "
            f"(more than {max_drop:.0%} fewer); nothing published. Check the "
            "source folder, or run with --force if the posts really were removed"
        )
    state.peaks = {**peaks, today.isoformat(): max(posts, peaks.get(today.isoformat(), 0))}
