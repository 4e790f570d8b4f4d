"""Category slugs: readable, distinct, and safe as a folder and in a URL."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.plan.slugs import MAX_SLUG, WINDOWS_RESERVED, base_slug, category_slugs, short_hash

SAFE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("category", "slug"),
    [
        ("emnews", "emnews"),
        (
            "shanghaizhengquanbao·zhongguozhengquanwang",
            "shanghaizhengquanbao-zhongguozhengquanwang",
        ),
        ("21shijijingjibaodao", "21shijijingjibaodao"),
        ("上海证券报", "shang-hai-zheng-quan-bao"),
        ("Two Words", "two-words"),
    ],
)
def test_readable(category: str, slug: str) -> None:
    assert category_slugs([category]) == {category: slug}


@pytest.mark.parametrize(
    "category",
    ["../../etc", "/abs/path", "a\\b", "nul\x00byte", "CON", "...", "·", "x" * 5000, "a/b", ".git"],
)
def test_hostile_names_give_safe_slugs(category: str) -> None:
    slug = category_slugs([category])[category]
    assert SAFE.match(slug), slug
    assert len(slug) <= 100
    assert slug not in {"con", "nul", "aux", "prn"}


def test_two_categories_never_share_a_slug() -> None:
    names = ["foo", "Foo", "FOO", "a·b", "a-b", "a b", "x" * 200, "x" * 201]
    slugs = category_slugs(names)
    assert len(set(slugs.values())) == len(names)
    assert slugs["foo"] == "foo" and slugs["a-b"] == "a-b"  # the plain spelling keeps its slug


def test_deterministic() -> None:
    names = ["b", "B", "a", "上海"]
    assert category_slugs(names) == category_slugs(list(reversed(names)))


def test_pinned_slug_from_config() -> None:
    assert category_slugs(["yangxingwangzhan"], {"yangxingwangzhan": "yanghang"}) == {
        "yangxingwangzhan": "yanghang"
    }


def test_a_published_slug_is_kept_when_a_new_category_would_take_it() -> None:
    assert category_slugs(["Foo"]) == {"Foo": "foo"}
    later = category_slugs(["Foo", "foo"], published={"Foo": "foo"})
    assert later["Foo"] == "foo"
    assert later["foo"].startswith("foo-")


def test_a_tampered_published_slug_is_made_safe_again() -> None:
    assert category_slugs(["a"], published={"a": "../../etc"}) == {"a": "etc"}


def test_the_config_pin_wins_over_the_published_slug() -> None:
    assert category_slugs(["a"], {"a": "b"}, {"a": "a"}) == {"a": "b"}


@given(st.from_regex(r"[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,8}", fullmatch=True))
def test_a_name_already_a_slug_is_what_slugify_makes_of_it(name: str) -> None:
    # base_slug returns such names without loading python-slugify: it must agree.
    from slugify import slugify

    expected = slugify(name, max_length=MAX_SLUG, word_boundary=False)
    if expected in WINDOWS_RESERVED:
        expected = f"{expected}-{short_hash(name)}"
    assert base_slug(name) == expected
