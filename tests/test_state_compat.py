"""The published state is read by the versions that come after the one that wrote it, and
a key a later version adds does not make this one forget the rest (a downgrade)."""

import json
from pathlib import Path

from conftest import run_build, state_of

CONFIG = """
title = "Site"
url = "https://example.org"
timezone = "UTC"
cleaning = "generic"
"""


def _post(source: Path, name: str, category: str) -> Path:
    path = source / name
    path.write_text(f"---\ntitle: {name}\ncategories: {category}\n---\n\nWords.\n", "utf-8")
    return path


def test_a_key_of_a_later_version_leaves_the_rest_of_the_state_read(tmp_path: Path) -> None:
    source, out, config = tmp_path / "src", tmp_path / "out", tmp_path / "feeds.toml"
    source.mkdir()
    config.write_text(CONFIG, encoding="utf-8")
    _post(source, "2024-01-01-a.md", "kept")
    _post(source, "2024-01-02-b.md", "kept")
    gone = _post(source, "2024-01-03-c.md", "vanishing")
    assert run_build("--source", source, "--out", out, config=config).exit_code == 0
    assert (out / "vanishing" / "atom.xml").exists()

    state = state_of(out) / ".feeds-state.json"
    data = json.loads(state.read_text(encoding="utf-8"))
    data["written_by_a_later_version"] = {"anything": [1, 2]}
    state.write_text(json.dumps(data), encoding="utf-8")
    gone.unlink()

    result = run_build("--source", source, "--out", out, config=config)
    assert result.exit_code == 0, result.stderr
    # Only a state read whole knows the category's feeds were published: they go.
    assert not (out / "vanishing").exists()
    assert "vanishing" in result.stderr
