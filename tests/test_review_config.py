"""Review of issue 16: a lock_timeout that is finite but waits for ever (finding 8)."""

from pathlib import Path

import pytest

from conftest import SEEDS, Build

SITE = 'title = "T"\nurl = "https://example.com"\n'


@pytest.mark.parametrize("value", ["1e300", "86401", "1.7976931348623157e308"])
def test_a_lock_timeout_over_a_day_is_a_config_error_naming_the_key(
    tmp_path: Path, build: Build, value: str
) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f"{SITE}lock_timeout = {value}\n", encoding="utf-8")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 2
    assert result.stderr == (
        f"feeds: error: config error: {config}: lock_timeout: must be at most 86,400 seconds\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_lock_timeout_of_a_day_is_accepted(tmp_path: Path, build: Build) -> None:
    config = tmp_path / "feeds.toml"
    config.write_text(f"{SITE}lock_timeout = 86400\n", encoding="utf-8")
    result = build("--source", SEEDS, "--out", tmp_path / "out", config=config)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "out" / "atom.xml").is_file()
