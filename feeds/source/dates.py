"""Post dates as Jekyll accepts them, made time-zone aware. No I/O."""

import contextlib
import re
import warnings
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

_DATE = re.compile(
    r"""^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
        (?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?
        \s*(?P<tz>Z|[+-]\d{1,2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)
# The same, where other text follows a time: Ruby's Time.parse, hence Jekyll, reads the
# date and time and ignores the rest, an offset too unless it follows the time at once.
_DATE_THEN_TEXT = re.compile(
    r"""^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
        [ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?
        (?:\s*(?P<tz>Z|[+-]\d{1,2}(?::?\d{2})?)(?![\d:]))?(?=\s)""",
    re.VERBOSE | re.IGNORECASE,
)
# The zone names Ruby's Time.parse knows besides UTC and GMT (as dateutil does): its
# table's North American ones, which are what posts carry.
_ZONE_NAMES = {
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "UT": 0,
}  # fmt: skip
_YEAR_FIRST = re.compile(r"^\d{4}|(?<!\d)\d{4}[-/.]\d")
# `24-01-02`, `01/02/24`: Ruby reads three short numbers as year, month, day.
_SHORT_YEAR_FIRST = re.compile(r"^\d{1,2}([-/.])\d{1,2}\1\d{1,2}(?!\d)")
# Ruby's Time.parse knows no offset written after GMT or UTC (`GMT+8`): it reads the
# time in the site's zone. dateutil would read `GMT+8` as POSIX does, as -08:00.
_OFFSET_AFTER_ZONE = re.compile(
    r"(?<![a-z])(?:GMT|UTC?)[+-]\d+(?:[,.:]\d+(?::\d+)?)?(?![\w:])", re.IGNORECASE
)
_FILE_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(.+)$")
EXAMPLE = "2022-01-25 22:27:49 +0800"
EARLIEST_YEAR = 1970  # RSS readers, feedgen and RFC 822 all fail somewhere before it
# How far past the build an update may lie: a time zone written wrong, a clock ahead.
FUTURE_ALLOWANCE = timedelta(days=1)


def parse_date(value: object, tz: ZoneInfo) -> datetime:
    """A front matter date (string, date or datetime) as an aware datetime.

    A time without an offset is in the site's time zone; a date alone is midnight there.
    Raises ValueError with a readable reason.
    """
    if isinstance(value, datetime):
        return _in_range(_aware(value.replace(microsecond=0), tz))
    if isinstance(value, date):
        return _in_range(datetime.combine(value, time(0), tz))
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return _digits(str(value), tz)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(_not_a_date(value))
    text = value.strip()
    if len(text) == 25:  # the scraper's form, 2022-01-25 22:27:49 +0800, read in C
        fast = _usual_date(text)
        if fast is not None:
            return _in_range(fast)
    if text.isascii() and text.isdigit():
        return _digits(text, tz)
    return _date_text(text, tz)


def shown_update(
    published: datetime, updated: datetime, now: datetime
) -> tuple[datetime, str | None]:
    """The `updated` an entry shows, and why it is not `last_modified_at` when it is not:
    an update before the post's date, or later than the build (by more than a day), would
    stand first in readers and pin the feed's own date (to the year 9999)."""
    if updated == published:
        return updated, None
    if updated < published:
        return published, f"{_day(updated)} is before its 'date' ({_day(published)}); ignored"
    if updated > max(now, published) + FUTURE_ALLOWANCE:
        return published, f"{_day(updated)} is in the future; the post's date is used until then"
    return updated, None


def _day(value: datetime) -> str:
    return value.date().isoformat()


def _not_a_date(value: object) -> str:
    """What a front matter value that is no date is instead, and how to write one."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "is empty"
    if isinstance(value, bool):
        kind = f"a yes/no value ({value})"
    elif isinstance(value, int | float):
        kind = f"a number ({value})"
    elif isinstance(value, list | tuple):
        kind = f"a list ({list(value)})"
    elif isinstance(value, dict):
        kind = "a mapping"
    else:
        kind = f"a {type(value).__name__}"
    return f"is {kind}, not a date: write it as {EXAMPLE}"


def _digits(text: str, tz: ZoneInfo) -> datetime:
    """A date written as digits alone, as Jekyll reads one (`20240101`, `202401011230`);
    anything else made of digits is a number, perhaps a Unix time, which Jekyll refuses."""
    if len(text) in (8, 10, 12, 14):
        d = text.ljust(14, "0")
        try:
            naive = datetime(
                int(d[:4]), int(d[4:6]), int(d[6:8]), int(d[8:10]), int(d[10:12]), int(d[12:])
            )
        except ValueError:
            pass
        else:
            return _in_range(_aware(naive, tz))
    example = EXAMPLE
    if len(text) in (9, 10):  # a Unix time, as of 1973 to 2286: say which date it gives
        with contextlib.suppress(ValueError, OverflowError, OSError):
            example = datetime.fromtimestamp(int(text), tz).strftime("%Y-%m-%d %H:%M:%S %z")
    raise ValueError(f"is a number ({text}), not a date: write it as {example}")


def _in_range(value: datetime) -> datetime:
    """The date, if feed readers can show it: not before 1970, and within Python's
    calendar once in UTC (`9999-12-31 23:00 -0500` is not)."""
    if value.year < EARLIEST_YEAR:
        raise ValueError(
            f"{value.date().isoformat()} is before {EARLIEST_YEAR}, which feed readers cannot "
            "show: write the post's real date"
        )
    if value.year == 9999:
        try:
            value.astimezone(UTC)
        except OverflowError as exc:
            raise ValueError(f"{value.isoformat(' ')} is past the year 9999") from exc
    return value


def _date_text(text: str, tz: ZoneInfo) -> datetime:
    match = _DATE.match(text)
    if match is None:
        return _in_range(_other_date(text, tz))
    y, m, d, hour, minute, second, _fraction, offset = match.groups()
    fields = (int(y), int(m), int(d), int(hour or 0), int(minute or 0), int(second or 0))
    try:
        naive = datetime(*fields)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid date: {exc}") from exc
    # Made again with its offset, not `replace`d: a scan parses 100,000 of them.
    aware = _aware(naive, tz) if offset is None else datetime(*fields, tzinfo=_offset(offset))
    return _in_range(aware)


def _other_date(text: str, tz: ZoneInfo) -> datetime:
    """A date in another form Ruby's Time.parse reads, as dateutil reads it (day before
    month in `02/01/2024`, as in Ruby): `2024/01/02`, `Jan 2 2024`, RFC 2822, `20240102T1830`,
    words around it ignored. Unlike Ruby, the year, month and day must all be written: Ruby
    takes the missing ones from today (`January`) or as 1 (`Jan 2024`)."""
    from dateutil import parser  # here: the usual forms never need it

    reason = f"{text!r} is not a date like {EXAMPLE}"
    year_first = _SHORT_YEAR_FIRST.match(text) is not None
    day_first = not year_first and _YEAR_FIRST.search(text) is None  # 2024/01/02: as Ruby
    zones = {name: hours * 3600 for name, hours in _ZONE_NAMES.items()}
    words = _OFFSET_AFTER_ZONE.sub(" ", text)
    try:
        with warnings.catch_warnings():  # another zone name: local time, as Ruby reads it
            warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
            found = [
                parser.parse(
                    words,
                    parserinfo=_ruby_years(),
                    default=default,
                    dayfirst=day_first,
                    yearfirst=year_first,
                    fuzzy=True,
                    tzinfos=zones,
                )
                for default in (datetime(2000, 1, 1), datetime(2001, 2, 2))
            ]
    except (ValueError, OverflowError) as exc:
        prefix = _DATE_THEN_TEXT.match(text)
        if prefix is None:
            raise ValueError(reason) from exc
        return _date_text(text[: prefix.end()], tz)
    if found[0] != found[1]:  # a year, month or day left out
        raise ValueError(reason)
    offset = found[0].utcoffset()
    naive = found[0].replace(tzinfo=None, microsecond=0)
    return _aware(naive, tz) if offset is None else naive.replace(tzinfo=timezone(offset))


@cache
def _ruby_years() -> Any:
    """dateutil's reading of words, with two-digit years as Ruby reads them: 69-99 are
    1969-1999, 00-68 are 2000-2068 (dateutil's window moves with today's date)."""
    from dateutil import parser

    class RubyYears(parser.parserinfo):  # type: ignore[misc]
        def convertyear(self, year: int, century_specified: bool = False) -> int:
            if year < 100 and not century_specified:
                return year + (1900 if year >= 69 else 2000)
            return year

    return RubyYears()


def _usual_date(text: str) -> datetime | None:
    """`YYYY-MM-DD HH:MM:SS +HHMM` as the pattern reads it, or None to leave it to the
    pattern: an error, and any other form, keep its message. fromisoformat reads the
    same fields; what it takes and the pattern refuses is left to the pattern: offset
    minutes over 59, and the hour 24 (the next midnight, from Python 3.14)."""
    if (
        text[19] == " "
        and text[10] == " "
        and text[20] in "+-"
        and text[23] < "6"
        and text[11:13] < "24"
        and text[4] == text[7] == "-"
        and text[13] == text[16] == ":"
        and text[21:].isdigit()
    ):
        try:
            return datetime.fromisoformat(text[:19] + text[20:])
        except ValueError:
            return None
    return None


def date_from_filename(name: str) -> tuple[date, str] | None:
    """(date, slug) from a Jekyll post file name like 2022-01-25-title.md."""
    stem = name.rsplit(".", 1)[0] if "." in name else name
    if (
        len(stem) > 11
        and stem[4] == stem[7] == stem[10] == "-"
        and stem[:10].isascii()
        and "\n" not in stem
    ):
        try:  # the usual name, its date read in C
            return date.fromisoformat(stem[:10]), stem[11:]
        except ValueError:
            return None
    return _date_from_stem(stem)


def _date_from_stem(stem: str) -> tuple[date, str] | None:
    match = _FILE_DATE.match(stem)
    if match is None:
        return None
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None
    return day, match[4]


def _aware(value: datetime, tz: ZoneInfo) -> datetime:
    if value.tzinfo is not None:
        return value
    # fold=0 picks the earlier of an ambiguous local time: stable across runs.
    local = value.replace(tzinfo=tz)
    return local.replace(tzinfo=timezone(local.utcoffset() or timedelta(0)))


@cache
def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    hours_text, _, minutes_text = text[1:].partition(":")
    if not minutes_text and len(hours_text) > 2:  # +0800
        hours_text, minutes_text = hours_text[:-2], hours_text[-2:]
    hours, minutes = int(hours_text), int(minutes_text or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"offset {text!r} is out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))
