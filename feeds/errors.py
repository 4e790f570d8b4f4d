"""Errors that carry their subject: the config key, the post file or the output path.
No business logic."""

from pathlib import Path


class PublishError(Exception):
    """Base class of every error this package raises on purpose."""


class ConfigError(PublishError):
    """A bad setting: names the file and the key, and says how to fix it."""

    def __init__(self, source: str, key: str | None, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {reason}")


class PostError(PublishError):
    """A post that cannot be published: names the file, the stage and the reason."""

    def __init__(self, path: Path | str, stage: str, reason: str) -> None:
        self.path = str(path)
        self.stage = stage
        self.reason = reason
        super().__init__(f"{self.path}: {stage}: {reason}")


class BuildError(PublishError):
    """The build as a whole cannot publish; nothing was replaced."""


class LockedError(BuildError):
    """Another build holds the output folder's lock."""


class Crashed(PostError):
    """A post whose process died working on it (a native crash, the OOM killer): it is
    recorded as bad, so that later builds skip it until its file changes."""
