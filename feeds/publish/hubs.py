"""WebSub publishing: tell each hub which feed URLs changed, once the feeds are written.

A ping is a form-encoded POST of `hub.mode=publish` naming one feed URL, as the common
public hubs take it: one URL a request (the form every hub understands; some take several
`hub.url` in one, but not all, and a feed build changes a few URLs). The URL is sent as
both `hub.url` (Google's and Superfeedr's name) and `hub.topic` (the name WebSub gives a
topic, which Flask-WebSub's hub and others read). Any 2xx answer is success: WebSub says
2xx, and many hubs answer 202 or 204.

Pings run in a few threads, each waits at most `timeout` seconds a try, and a failed one
is tried once more after a short pause when the failure may pass (no answer, a 5xx, a
429). A try's connection is cut once its `timeout` is spent, even by a hub that keeps it
busy a byte at a time (a socket's own timeout is per read), so no thread and no socket
outlives the run. The whole run is bounded: what is not sent in time stays for the next
build. This
module is imported only when some ping is due: a build with nothing to ping never loads
http.client.
"""

import contextlib
import http.client
import queue
import socket
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlencode, urlsplit

from feeds import __version__
from feeds.text import one_line

TRIES = 2  # a ping's tries within one build
BACKOFF = 0.5  # seconds between them, at most the timeout
WORKERS = 8  # pings in flight at once
ROUNDS = 4  # the whole run lasts at most this many times one ping's longest
MAX_ANSWER = 4096  # bytes of a hub's answer read: enough for its reason
RETRIED_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
NAMED = 10  # failed pings named on stderr per hub: a hub down for a cold build's 900 feeds

Target = tuple[str, str]  # (hub URL, feed URL)


class _Watch:
    """The connections in flight, each with the moment its try's time is spent."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: dict[http.client.HTTPConnection, float] = {}
        self.cut: set[http.client.HTTPConnection] = set()

    def add(self, conn: http.client.HTTPConnection, until: float) -> None:
        with self.lock:
            self.open[conn] = until

    def discard(self, conn: http.client.HTTPConnection) -> bool:
        """Forget the connection: whether it was cut."""
        with self.lock:
            self.open.pop(conn, None)
            return conn in self.cut

    def cut_spent(self, now: float) -> None:
        """Shut the sockets whose time is spent: the thread reading one fails at once."""
        with self.lock:
            for conn, until in self.open.items():
                if until <= now and conn not in self.cut and conn.sock is not None:
                    self.cut.add(conn)
                    with contextlib.suppress(OSError):
                        conn.sock.shutdown(socket.SHUT_RDWR)


def ping_all(targets: Sequence[Target], timeout: float) -> dict[Target, str | None]:
    """Ping every hub for its feed URL, concurrently: the reason each ping failed, or None
    for one that succeeded. Returns within ROUNDS times one ping's longest wait; a ping
    not answered by then failed ("not sent in time"), and is tried at the next build."""
    pause = min(BACKOFF, timeout)
    limit = ROUNDS * (TRIES * timeout + pause)
    deadline = time.monotonic() + limit
    todo: queue.SimpleQueue[Target] = queue.SimpleQueue()
    for target in targets:
        todo.put(target)
    results: dict[Target, str | None] = {}
    watch = _Watch()

    def work() -> None:
        while time.monotonic() < deadline:
            try:
                hub, url = todo.get_nowait()
            except queue.Empty:
                return
            results[hub, url] = ping(hub, url, timeout, pause, watch)

    threads = [
        threading.Thread(target=work, name="feeds-ping", daemon=True)
        for _ in range(min(WORKERS, len(targets)))
    ]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline:
        watch.cut_spent(time.monotonic())
        time.sleep(0.05)
    watch.cut_spent(float("inf"))  # the run's time is spent: every connection ends now
    for thread in threads:
        thread.join(1.0)
    late = f"not sent in time (pings wait {limit:g} s in all); tried again at the next build"
    return {target: results.get(target, late) for target in targets}


def ping(
    hub: str, url: str, timeout: float, pause: float, watch: _Watch | None = None
) -> str | None:
    """One ping, tried again after `pause` if the failure may pass: None, or the reason."""
    reason: str | None = None
    for attempt in range(TRIES):
        if attempt:
            time.sleep(pause)
        reason, again = _post(hub, url, timeout, watch or _Watch())
        if reason is None or not again:
            return reason
    return reason


def _post(hub: str, url: str, timeout: float, watch: _Watch) -> tuple[str | None, bool]:
    """POST the publish notice: (None, _) on a 2xx, else (the reason, whether to retry)."""
    parts = urlsplit(hub)
    host, port = parts.hostname or "", parts.port
    kind = http.client.HTTPSConnection if parts.scheme.lower() == "https" else None
    conn = (kind or http.client.HTTPConnection)(host, port, timeout=timeout)
    body = urlencode({"hub.mode": "publish", "hub.url": url, "hub.topic": url})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": f"feeds/{__version__}",
    }
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    watch.add(conn, time.monotonic() + timeout)
    try:
        conn.request("POST", target, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read(MAX_ANSWER)
    except TimeoutError:
        return f"no answer within {timeout:g} s", True
    except ConnectionRefusedError:
        return "connection refused (is the hub down?)", True
    except (OSError, http.client.HTTPException) as exc:
        if watch.discard(conn):
            return f"no whole answer within {timeout:g} s", True
        return _os_reason(exc), True
    finally:
        watch.discard(conn)
        conn.close()
    if 200 <= answer.status < 300:
        return None, False
    return _http_reason(answer.status, answer.reason, text), answer.status in RETRIED_STATUS


def _os_reason(exc: Exception) -> str:
    """`Name or service not known`, not `[Errno -2] ...`."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _http_reason(status: int, reason: str, text: bytes) -> str:
    """`HTTP 400 Bad Request: Missing form argument: hub.topic`: the hub's own words, on
    one line and short, as it may say anything."""
    said = one_line(text.decode("utf-8", "replace"))[:200]
    head = f"HTTP {status} {reason}".rstrip()
    return f"{head}: {said}" if said else head


def failure_lines(results: dict[Target, str | None]) -> list[str]:
    """One stderr line per failed ping, `feeds: hub <hub>: <feed url>: <reason>`, up to
    NAMED per hub, then one line counting the rest."""
    lines: list[str] = []
    by_hub: dict[str, list[tuple[str, str]]] = {}
    for (hub, url), reason in results.items():
        if reason is not None:
            by_hub.setdefault(hub, []).append((url, reason))
    for hub, failed in by_hub.items():
        lines.extend(f"feeds: hub {hub}: {url}: {reason}" for url, reason in failed[:NAMED])
        if len(failed) > NAMED:
            lines.append(f"feeds: hub {hub}: {len(failed) - NAMED} more feed URLs not pinged")
    return lines
