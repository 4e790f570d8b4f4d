"""The fast front matter reader gives exactly what PyYAML's safe loader gives."""

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.errors import PostError
from feeds.source.posts import load_front_matter

text = st.text(max_size=40)
value = st.recursive(
    st.none() | st.booleans() | st.integers() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(text, value, min_size=1, max_size=6), st.sampled_from(['"', "'", None]))
def test_any_front_matter_reads_as_pyyaml_reads_it(
    data: dict[str, object], style: str | None
) -> None:
    front = yaml.safe_dump(data, allow_unicode=True, default_style=style, sort_keys=False)
    expected = yaml.load(front, Loader=yaml.CSafeLoader)
    assert load_front_matter(front.removesuffix("\n"), "p.md") == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_plain_title_reads_as_pyyaml_reads_it(title: str) -> None:
    front = f"title: {title}\ncategories: emnews"
    try:
        expected = yaml.load(front + "\n", Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return
    assert load_front_matter(front, "p.md") == expected


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="%% a:-'\"\n[]{},#50涨", max_size=30))
def test_percent_signs_anywhere_read_as_pyyaml_reads_them(text: str) -> None:
    """`%` opens a directive only at the start of a line; within a value (`涨50%`), the
    fast reader must agree with PyYAML, errors included."""
    front = f"title: {text}\ncategories: emnews"
    try:
        expected = yaml.load(front + "\n", Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        with pytest.raises(PostError):
            load_front_matter(front, "p.md")
        return
    if isinstance(expected, dict):
        assert load_front_matter(front, "p.md") == expected


@pytest.mark.parametrize(
    "title",
    ["[:a]", "[:0]", "{:涨}", "[b, :c]", "[ :5]", "{a: [:b]}", "[a,\n  :b]", "[a, #c\n  :b]"],
)
def test_a_colon_opening_a_flow_item_is_refused_as_pyyaml_refuses_it(title: str) -> None:
    """YAML 1.2 (yaml-rs) reads `[:a]` as a list holding ':a'; YAML 1.1 (PyYAML, Jekyll)
    refuses it, and so must the fast reader. Found by the test above."""
    front = f"title: {title}\ncategories: emnews"
    with pytest.raises(yaml.YAMLError):
        yaml.load(front + "\n", Loader=yaml.CSafeLoader)
    with pytest.raises(PostError):
        load_front_matter(front, "p.md")
