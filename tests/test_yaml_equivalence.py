"""The fast front matter reader gives exactly what PyYAML's safe loader gives."""

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.posts import load_front_matter

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
