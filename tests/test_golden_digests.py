"""Every file a build publishes, byte for byte as recorded: seeds/, the finews sample and a
generated archive of 2,000 posts. A change to the code's layout or speed must leave these
digests as they are; a change meant to alter output records them again, on purpose:

    FEEDS_RECORD_DIGESTS=1 python -m pytest tests/test_golden_digests.py

and its commit says which output changed and why.
"""

import hashlib
import json
import os
from pathlib import Path

import pytest

from conftest import FINEWS, SEEDS, load_generator, run_build

RECORDED = Path(__file__).resolve().parent / "data" / "golden-digests.json"
GENERATED_SIZE = 2000
# As benchmarks/run.py configures its archives.
GENERATED_CONFIG = """\
url = "https://finews.withounder.com"
timezone = "Asia/Shanghai"
cleaning = "finews"
limit = 50
"""


def _published(out: Path) -> dict[str, str]:
    """What a subscriber can fetch: every file but the build's own dot files."""
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*"))
        if path.is_file() and not any(p.startswith(".") for p in path.relative_to(out).parts)
    }


def _build(tmp_path: Path, name: str) -> dict[str, str]:
    out = tmp_path / "out"
    if name == "seeds":
        result = run_build("--source", SEEDS, "--out", out)
    elif name == "finews":
        result = run_build("--source", FINEWS, "--out", out)
    else:
        site = tmp_path / "site"
        load_generator().generate(GENERATED_SIZE, site, seed=1, jobs=1)
        config = tmp_path / "feeds.toml"
        config.write_text(GENERATED_CONFIG, encoding="utf-8")
        result = run_build("--source", site, "--out", out, config=config)
    assert result.exit_code in (0, 3), result.stderr
    return _published(out)


@pytest.mark.parametrize("name", ["seeds", "finews", "generated-2000"])
def test_every_published_file_is_as_recorded(tmp_path: Path, name: str) -> None:
    digests = _build(tmp_path, name)
    assert digests, "the build published nothing"
    recorded = json.loads(RECORDED.read_text(encoding="utf-8")) if RECORDED.exists() else {}
    if os.environ.get("FEEDS_RECORD_DIGESTS") == "1":
        recorded[name] = digests
        RECORDED.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return
    assert name in recorded, f"no digests recorded for {name}: see this module's docstring"
    expected = recorded[name]
    assert sorted(digests) == sorted(expected), "files published differ from those recorded"
    changed = [path for path in expected if digests[path] != expected[path]]
    assert not changed, f"bytes differ from those recorded: {changed}"
