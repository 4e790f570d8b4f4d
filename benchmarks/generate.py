"""Synthetic finews archives for the benchmark, shaped like the real posts.

    python benchmarks/generate.py N DEST [--seed S] [--start-index K]

writes posts K .. K+N-1 into DEST/_posts/ and a `_config.yml` like the real site's.
Everything about post i (outlet, date, id, body) is drawn from random streams keyed by
(seed, i) alone, so the same N and seed give byte-identical files, the first N posts of
a larger archive are the N-post archive, and `--start-index N` adds posts dated after
the first N with ids of their own.

The shapes follow /work/shared/corpus/finews/README.md: the site's opening post, four
early generations of short digest posts (dates without a zone, the navigation footer in
its historical forms), then eastmoney posts (`> digest`, HTML body with chart widgets,
ticker spans, hidden paragraphs, images and credits, `（文章来源：…）`, a bare eastmoney
autolink) and media posts (`NW` file names, pinyin categories, NewsShare autolinks), a
share of which are twins of an eastmoney post (same title and date, two categories).
Text is sentences of the real corpus (`data/sentences.txt`) recombined.
"""

import argparse
import bisect
import itertools
import math
import os
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TypeVar

SENTENCES = Path(__file__).resolve().parent / "data" / "sentences.txt"
SITE_CONFIG = """\
theme: jekyll-theme-minimal

lang: zh-CN
title: 金融消息
show_downloads: false
safe: true
url: https://finews.withounder.com
enforce_ssl: finews.withounder.com
timezone: Asia/Shanghai
author: ZNing

plugins:
  - jekyll-feed
"""
SITE = "//finews.withounder.com"
T = TypeVar("T")


@dataclass(frozen=True)
class Outlet:
    name: str  # as in （文章来源：…）
    category: str  # pinyin, as the scraper spelt it (polyphone slips included)
    tag: str


def _media(name: str, category: str) -> Outlet:
    return Outlet(name, category, name + "新闻")  # hence 每日经济新闻新闻, as in the archive


EMNEWS = Outlet("东财滚动新闻", "emnews", "东财滚动新闻")
SITENEWS = Outlet("站长消息", "sitenews", "站长消息")
OUTLETS: tuple[Outlet, ...] = (  # most prolific first
    _media("财联社", "cailianshe"),
    _media("证券时报", "zhengquanshibao"),
    _media("中国证券报", "zhongguozhengquanbao"),
    _media("上海证券报", "shanghaizhengquanbao"),
    _media("每日经济新闻", "meirijingjixinwen"),
    _media("21世纪经济报道", "21shijijingjibaodao"),
    _media("券商中国", "quanshangzhongguo"),
    _media("中国基金报", "zhongguojijinbao"),
    _media("央视新闻客户端", "yangshixinwenkehuduan"),
    _media("东方财富研究中心", "dongfangcaifuyanjiuzhongxin"),
    _media("证券日报", "zhengquanribao"),
    _media("第一财经", "diyicaijing"),
    _media("新华社", "xinhuashe"),
    _media("经济参考报", "jingjicankaobao"),
    _media("界面新闻", "jiemianxinwen"),
    _media("人民网", "renminwang"),
    _media("经济日报", "jingjiribao"),
    _media("中国新闻网", "zhongguoxinwenwang"),
    _media("澎湃新闻", "pengpaixinwen"),
    _media("上海证券报·中国证券网", "shanghaizhengquanbao·zhongguozhengquanwang"),
    _media("北京商报", "beijingshangbao"),
    _media("新京报", "xinjingbao"),
    _media("华夏时报", "huaxiashibao"),
    _media("国际金融报", "guojijinrongbao"),
    _media("中国经营报", "zhongguojingyingbao"),
    _media("金融时报", "jinrongshibao"),
    _media("环球网", "huanqiuwang"),
    _media("央行网站", "yangxingwangzhan"),
    _media("泉州晚报", "quanzhouwanbao"),
)
ZIPF_EXPONENT = 1.1
OUTLET_CUMULATIVE = tuple(
    itertools.accumulate(1 / rank**ZIPF_EXPONENT for rank in range(1, len(OUTLETS) + 1))
)
EMNEWS_SHARE = 0.45  # of the posts that are not twins
TWIN_SHARE = 0.05  # of the pairs of modern posts: an eastmoney post and its media copy

# Dates: about 137 posts a day, so 100,000 posts span two years, busiest in trading hours.
POSTS_PER_DAY = 137
FIRST_DAY = datetime(2021, 12, 8)
INIT_DATE = datetime(2021, 12, 1, 13, 33, 50)
HOURLY_WEIGHTS = (1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 6, 7, 9, 9, 8, 8, 7, 6, 6, 5, 4, 2)
HOURLY_CUMULATIVE = tuple(itertools.accumulate(HOURLY_WEIGHTS))
ID_BASE, ID_STRIDE = 2_206_670_000, 1_733  # the 10 digits after the date grow with time

# Generations by index (README "Generator generations seen"); modern ones from MODERN_FROM.
EARLY_ERAS = ((41, 1), (81, 2), (91, 3), (151, 4))
MODERN_FROM = 151
EMNEWS_ERA, MEDIA_ERA = 5, 6

BODY_MEDIAN_CHARS, BODY_SIGMA = 1000, 0.75  # of text; markup adds about as much again
BODY_MIN_CHARS, BODY_MAX_CHARS = 120, 6_000

CHUNK = 1_000  # posts per task when rendering in parallel
PLAN, TWIN, ARTICLE, STYLE = range(4)  # independent random streams of one index


@dataclass(frozen=True)
class Stock:
    name: str
    market: str  # eastmoney market number: 0 Shenzhen, 1 Shanghai, 105/106 US, 116 HK
    code: str
    kinds: tuple[str, str]  # widget data-code suffixes


WIDGET_KINDS = {"0": ("2", "6"), "1": ("1", "2"), "116": ("5", "3")}
STOCKS: tuple[Stock, ...] = tuple(
    Stock(name, market, code, WIDGET_KINDS.get(market, ("7", "3")))
    for name, market, code in (
        ("广发证券", "0", "000776"),
        ("申万宏源", "0", "000166"),
        ("美的集团", "0", "000333"),
        ("昇兴股份", "0", "002752"),
        ("歌尔股份", "0", "002241"),
        ("立讯精密", "0", "002475"),
        ("北方华创", "0", "002371"),
        ("长盈精密", "0", "300115"),
        ("联创股份", "0", "300343"),
        ("宁德时代", "0", "300750"),
        ("长安汽车", "0", "000625"),
        ("潍柴动力", "0", "000338"),
        ("中信证券", "1", "600030"),
        ("巨化股份", "1", "600160"),
        ("贵州茅台", "1", "600519"),
        ("招商证券", "1", "600999"),
        ("国泰君安", "1", "601211"),
        ("中国平安", "1", "601318"),
        ("华泰证券", "1", "601688"),
        ("中金公司", "1", "601995"),
        ("兆易创新", "1", "603986"),
        ("中微公司", "1", "688012"),
        ("澜起科技", "1", "688008"),
        ("苹果", "105", "AAPL"),
        ("拼多多", "105", "PDD"),
        ("阿里巴巴", "106", "BABA"),
        ("蔚来", "106", "NIO"),
        ("商汤-W", "116", "00020"),
        ("潍柴动力", "116", "02338"),
    )
)
BOARDS = (
    ("证券", "BK0473"),
    ("保险", "BK0474"),
    ("银行", "BK0475"),
    ("新能源", "BK0493"),
    ("知识产权", "BK0839"),
    ("数据中心", "BK0922"),
    ("半导体", "BK1036"),
    ("消费电子", "BK1037"),
)
INFO_KEYS = (
    ("3306", "http://data.eastmoney.com/other/qsjy.html", "券商"),
    ("3304", "http://data.eastmoney.com/wtlc/", "理财"),
    ("3293", "http://data.eastmoney.com/zlsj/", "基金"),
    ("3321", "http://data.eastmoney.com/bbsj/", "业绩"),
    ("3324", "http://data.eastmoney.com/bbsj/", "净利润"),
    ("3332", "http://data.eastmoney.com/notices/", "公告"),
    ("3300", "http://data.eastmoney.com/zdht/", "合同"),
)
EASTMONEY_COLUMNS = (
    ("finance", "1354"),
    ("finance", "1354"),
    ("finance", "1353"),
    ("finance", "1355"),
    ("finance", "1345"),
    ("finance", "1351"),
    ("hk", "1535"),
    ("hk", "1533"),
    ("stock", "1405"),
    ("stock", "1768"),
    ("futures", "1513"),
    ("mss", "11059"),
)
EARLY_SOURCES = ("(东方财富Choice数据)", "（证券时报）", "（财联社）", "（中国证券报）", "")
LIST_ITEM = re.compile(r"[(（]?\d+[、.)）]")  # "2、…" opens a list item, not a headline
ENTITY_SENTENCE = "据了解，《&lt;蒙特利尔议定书&gt;基加利修正案》已于2021年9月正式对我国生效。"
HIDDEN_PARAGRAPHS = (
    '<p style="display:none;height:1px;overflow:hidden;"><br /></p>',
    '<p style="display:none;height:1px;overflow:hidden;"> </p>',
)
IMAGE_STYLE = "border:#d1d1d1 1px solid;padding:3px;margin:5px 0;"
CHART_TOKEN = "28dfeb41d35cc81d84b4664d7c23c49f"


@dataclass(frozen=True)
class Plan:
    """What post `index` is, before any text: its outlet, date, id and body layout."""

    index: int
    era: int  # 0 the opening post, 1-4 early digests, 5 eastmoney, 6 media
    outlet: Outlet  # the category
    source: Outlet  # the outlet named in （文章来源：…）
    when: datetime  # Beijing time
    code: str  # the 18-digit eastmoney id, date first
    article: int  # whose text: its own index, or the eastmoney post it is a twin of

    @property
    def filename(self) -> str:
        if self.era == 0:
            return f"{self.when:%Y-%m-%d}-init.md"
        prefix = "NW" if self.era == MEDIA_ERA else ""
        return f"{self.when:%Y-%m-%d}-{prefix}{self.code}.md"


def _rng(seed: int, index: int, stream: int) -> random.Random:
    return random.Random((seed << 40) + (index << 2) + stream)


def _pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]  # random.choice, three times faster


def plan(seed: int, index: int, first: int = 0) -> Plan:
    """Post `index` of the archive; `first` is where this run starts writing."""
    if index == 0:
        return Plan(0, 0, SITENEWS, SITENEWS, INIT_DATE, "", 0)
    rng = _rng(seed, index, PLAN)
    when = post_time(index, rng.random())
    code = f"{when:%Y%m%d}{ID_BASE + index * ID_STRIDE + rng.randrange(ID_STRIDE):010d}"
    if index < MODERN_FROM:
        era = next(e for end, e in EARLY_ERAS if index < end)
        return Plan(index, era, EMNEWS, _outlet(rng.random()), when, code, index)
    pair_head = index - (index - MODERN_FROM) % 2
    if _is_twin_pair(seed, pair_head):
        if index == pair_head:
            return Plan(index, EMNEWS_ERA, EMNEWS, _outlet(rng.random()), when, code, index)
        if pair_head >= first:  # a twin of a post written by an earlier run would share its date
            head = plan(seed, pair_head, first)
            return replace(head, index=index, era=MEDIA_ERA, outlet=head.source)
    if rng.random() < EMNEWS_SHARE:
        return Plan(index, EMNEWS_ERA, EMNEWS, _outlet(rng.random()), when, code, index)
    outlet = _outlet(rng.random())
    return Plan(index, MEDIA_ERA, outlet, outlet, when, code, index)


def _is_twin_pair(seed: int, pair_head: int) -> bool:
    return _rng(seed, pair_head, TWIN).random() < TWIN_SHARE


def _outlet(u: float) -> Outlet:
    return OUTLETS[bisect.bisect_right(OUTLET_CUMULATIVE, u * OUTLET_CUMULATIVE[-1])]


def category_of(seed: int, index: int) -> str:
    """The category of post `index`, without writing anything."""
    return plan(seed, index).outlet.category


def post_time(index: int, u: float) -> datetime:
    """Index order is date order: slot `index` of its day, placed by the hourly weights."""
    day, slot = divmod(index - 1, POSTS_PER_DAY)
    target = (slot + u) / POSTS_PER_DAY * HOURLY_CUMULATIVE[-1]
    hour = bisect.bisect_right(HOURLY_CUMULATIVE, target)
    before = HOURLY_CUMULATIVE[hour - 1] if hour else 0
    seconds = hour * 3600 + int((target - before) / HOURLY_WEIGHTS[hour] * 3600)
    return FIRST_DAY + timedelta(days=day, seconds=seconds)


# Text


@cache
def sentence_pool() -> tuple[str, ...]:
    return tuple(SENTENCES.read_text(encoding="utf-8").splitlines())


@dataclass(frozen=True)
class Article:
    """The text of one story, shared by an eastmoney post and its media twin."""

    title: str
    digest: str
    blocks: tuple[tuple[str, ...], ...]  # paragraphs of sentences; () marks an image


def article(seed: int, index: int, early: bool) -> Article:
    rng = _rng(seed, index, ARTICLE)
    pool = sentence_pool()
    title = make_title(rng, pool)
    if early:
        return Article(title, _early_digest(rng, pool, title), ())
    target = min(BODY_MAX_CHARS, max(BODY_MIN_CHARS, _lognormal(rng)))
    blocks = tuple(_blocks(rng, pool, target))
    first = next(b for b in blocks if b)
    return Article(title, "".join(first[:3]), blocks)


def _lognormal(rng: random.Random) -> int:
    return int(rng.lognormvariate(math.log(BODY_MEDIAN_CHARS), BODY_SIGMA))


def _blocks(rng: random.Random, pool: Sequence[str], target: int) -> Iterator[tuple[str, ...]]:
    size = 0
    while size < target:
        if size and rng.random() < 0.08:
            yield ()
        count = _pick(rng, (1, 1, 2, 2, 2, 3, 4))
        paragraph = tuple(rng.choices(pool, k=count))
        if rng.random() < 0.01:
            paragraph += (ENTITY_SENTENCE,)
        size += sum(map(len, paragraph))
        yield paragraph


def make_title(rng: random.Random, pool: Sequence[str]) -> str:
    """A headline: a clause of a real sentence, dressed as the outlets dress theirs."""
    clause = _clause(rng, pool)
    roll = rng.random()
    if roll < 0.25:
        return f"{_pick(rng, STOCKS).name}：{clause}"
    if roll < 0.35:
        return f"{clause}！{_clause(rng, pool)}"
    if roll < 0.45:
        return f"{clause}？"
    if roll < 0.60:
        cut = rng.randrange(1, max(2, len(clause) - 2))
        return f"“{clause[:cut]}”{clause[cut:]}"
    if roll < 0.75:
        return f"{clause} {_clause(rng, pool)}"
    return clause


def _clause(rng: random.Random, pool: Sequence[str]) -> str:
    for _ in range(20):
        parts = [p for p in _pick(rng, pool).replace("。", "，").split("，") if _headline(p)]
        if parts:
            return _pick(rng, parts).strip("，。、；：！？ ")
    return _pick(rng, pool)[:20]


def _headline(clause: str) -> bool:
    return 6 <= len(clause) <= 30 and not LIST_ITEM.match(clause)


def _early_digest(rng: random.Random, pool: Sequence[str], title: str) -> str:
    if rng.random() < 0.05:
        return title + "。"  # the shortest posts repeat their title
    text = "".join(_pick(rng, pool) for _ in range(_pick(rng, (1, 1, 2, 3))))
    return text + _pick(rng, EARLY_SOURCES)


# Markup


def stock_span(stock: Stock) -> str:
    ref = f"{stock.market}.{stock.code}"
    return (
        f'<span id="stock_{ref}"><a href="http://quote.eastmoney.com/unify/r/{ref}" '
        f'class="keytip" data-code="{stock.market},{stock.code}">{stock.name}</a></span>'
        f'<span id="quote_{ref}"></span>'
    )


def common_span(stock: Stock) -> str:
    ref = f"{stock.market}.{stock.code}"
    return (
        f'<span web="1" href="http://quote.eastmoney.com/unify/r/{ref}" '
        f'class="em_stock_key_common" data-code="{stock.market},{stock.code}">{stock.name}</span>'
    )


def board_span(word: str, board: str) -> str:
    return (
        f'<span id="bk_90.{board}"><a href="http://quote.eastmoney.com/unify/r/90.{board}" '
        f'class="keytip" data-code="90,{board}">{word}</a></span>'
        f'<span id="bkquote_90.{board}"></span>'
    )


def info_span(number: str, url: str, word: str) -> str:
    return f'<span id="Info.{number}"><a href="{url}" class="infokey">{word}</a></span>'


def chart_widget(stock: Stock, linked: bool) -> str:
    ref, code = f"{stock.market}.{stock.code}", stock.code
    kind, kind2 = stock.kinds
    image = (
        f'<img src="https://webquoteklinepic.eastmoney.com/GetPic.aspx?nid={ref}&imageType=k'
        f'&token={CHART_TOKEN}&at=1" border="0" alt="K图 {code}_0" '
        f'data-code="K {code}|{stock.market}|{kind}" data-code2="K {code}|{stock.market}|{kind2}|" '
        'style="border:#d1d1d1 1px solid;" width="578" height="276" />'
    )
    if linked:
        image = (
            f'<a href="http://quote.eastmoney.com/unify/r/{ref}" '
            f'data-code="{code}|{stock.market}|{kind}" data-code2="{code}|{stock.market}|{kind2}|" '
            f'class="EmImageRemark" target="_blank">{image}</a>'
        )
    return (
        '<!-- EM_StockImg_Start --><p style="text-align:center;">'
        f"{image}</p><!-- EM_StockImg_End -->"
    )


def image_block(rng: random.Random, outlet: Outlet) -> str:
    width, height = rng.randrange(400, 1100), rng.randrange(180, 1300)
    src = (
        f"https://dfscdn.dfcfw.com/download/D{rng.randrange(10**19, 10**20)}_w{width}h{height}.jpg"
    )
    if rng.random() < 0.2:
        original = src.replace(".jpg", "_o.jpg")
        img = f'<img src="{src}" width="506" orginial_src="{original}" style="{IMAGE_STYLE}" />'
    else:
        img = f'<img src="{src}" alt="Image" width="552" style="{IMAGE_STYLE}" />'
    html = f"<center>{img}</center>"
    if rng.random() < 0.3:
        credit = _pick(rng, ("图源", "图片来源"))
        html += f'<p style="text-align:center;">{credit}：{outlet.name}</p>'
    return html


@dataclass(frozen=True)
class Style:
    """How one post's scraper generation marks up an article."""

    tickers: bool  # eastmoney posts keep ticker links; media copies had them stripped
    separator: str


def paragraph_html(rng: random.Random, sentences: tuple[str, ...], style: Style) -> str:
    if len(sentences) == 1 and len(sentences[0]) < 40 and rng.random() < 0.3:
        return f"<p><strong>{sentences[0].rstrip('。')} </strong></p>"
    text = "".join(_decorate(rng, s, style) for s in sentences)
    if rng.random() < 0.05:
        text = text.replace("，", "， ")
    if rng.random() < 0.03:
        text += '（<a href="https://finance.eastmoney.com/a/202205302396506117.html">点击阅读报告全文</a>）'
    lead = " " if rng.random() < 0.04 else ""
    tail = "<br />" if rng.random() < 0.1 else (" " if rng.random() < 0.04 else "")
    return f"<p>{lead}{text}{tail}</p>"


def _decorate(rng: random.Random, sentence: str, style: Style) -> str:
    if not style.tickers:
        return sentence
    roll = rng.random()
    if roll < 0.12:
        return stock_span(_pick(rng, STOCKS)) + sentence
    if roll < 0.18:
        return common_span(_pick(rng, STOCKS)) + sentence
    if roll < 0.24:
        cut = rng.randrange(len(sentence))
        return sentence[:cut] + board_span(*_pick(rng, BOARDS)) + sentence[cut:]
    if roll < 0.28:
        cut = rng.randrange(len(sentence))
        return sentence[:cut] + info_span(*_pick(rng, INFO_KEYS)) + sentence[cut:]
    return sentence


def body_html(rng: random.Random, story: Article, source: Outlet, style: Style) -> str:
    head = _pick(rng, HIDDEN_PARAGRAPHS) if rng.random() < 0.3 else ""
    for _ in range(_pick(rng, (0, 0, 0, 1, 1, 2))):
        head += chart_widget(_pick(rng, STOCKS), linked=rng.random() < 0.8)
    parts = [
        paragraph_html(rng, block, style) if block else image_block(rng, source)
        for block in story.blocks
    ]
    return head + style.separator.join(parts) + media_line(rng, source, style)


def media_line(rng: random.Random, source: Outlet, style: Style) -> str:
    name = source.name
    if style.tickers and "证券" in name and rng.random() < 0.3:
        name = name.replace("证券", board_span("证券", "BK0473"), 1)
    return f'<p class="em_media">（文章来源：{name}）</p>'


# Posts


def front_matter(p: Plan, title: str) -> str:
    zone = "" if p.era in (0, 1, 2, 3) else " +0800"
    return (
        f'---\nlayout: post\ntitle: "{title}"\ndate: {p.when:%Y-%m-%d %H:%M:%S}{zone}\n'
        f"categories: {p.outlet.category}\ntags: {p.outlet.tag}\n---\n"
    )


def eastmoney_link(rng: random.Random, code: str) -> str:
    if rng.random() < 0.005:
        return "<>"
    host, column = _pick(rng, EASTMONEY_COLUMNS)
    return f"<http://{host}.eastmoney.com/news/{column},{code}.html>"


def nav_footer(p: Plan, rng: random.Random) -> str:
    if p.era == MEDIA_ERA:
        return (
            f"[返回{p.outlet.tag}]({SITE}/category/{p.outlet.category}.html)｜[返回首页]({SITE}/)"
        )
    if p.era == 1 or (p.era == 4 and rng.random() < 0.1):
        return ""
    if p.era == 2:
        return "[返回东财滚动新闻](../emnews/)\n[返回首页](../)"
    if p.era == 3:
        return f"[返回东财滚动新闻]({SITE}/emnews/)\n[返回首页]({SITE}/)"
    return f"[返回东财滚动新闻]({SITE}/emnews/)｜[返回首页]({SITE}/)"


def post_text(seed: int, p: Plan) -> str:
    """The whole file of post `p`, as its generation of the scraper wrote it."""
    if p.era == 0:
        return front_matter(p, "开站大吉") + "\n祝贺开站\n"
    rng = _rng(seed, p.index, STYLE)
    story = article(seed, p.article, early=p.era < EMNEWS_ERA)
    footer = nav_footer(p, rng)
    if p.era < EMNEWS_ERA:
        lead = "\n" if rng.random() < 0.02 else ""  # a blank line before the front matter
        link = eastmoney_link(rng, p.code)
        text = f"{lead}{front_matter(p, story.title)}\n{story.digest}\n\n{link}"
    elif p.era == EMNEWS_ERA:
        style = Style(tickers=True, separator=_pick(rng, ("\n ", "\n ", "")))
        body = body_html(rng, story, p.source, style)
        digest = f"> {story.digest}（{p.source.name}）"
        text = f"{front_matter(p, story.title)}{digest}\n\n{body}\n\n{eastmoney_link(rng, p.code)}"
    else:
        style = Style(tickers=False, separator=_pick(rng, ("\n ", "\r\n ", "")))
        body = body_html(rng, story, p.source, style)
        share = f"http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW{p.code}"
        text = f"{front_matter(p, story.title)}{body}\n\n<{share}>"
    return f"{text}\n\n{footer}" if footer else text


def generate(
    count: int,
    dest: Path,
    seed: int = 1,
    start: int = 0,
    jobs: int | None = None,
    chunk: int = CHUNK,
) -> list[Path]:
    """Write posts start .. start+count-1 and the site config; return the posts' paths."""
    posts = dest / "_posts"
    posts.mkdir(parents=True, exist_ok=True)
    config = dest / "_config.yml"
    if not config.is_file() or config.read_text(encoding="utf-8") != SITE_CONFIG:
        config.write_text(SITE_CONFIG, encoding="utf-8")
    jobs = jobs or os.cpu_count() or 1
    bounds = [*range(start, start + count, chunk), start + count]
    chunks = [(seed, start, lo, hi) for lo, hi in itertools.pairwise(bounds)]
    if jobs == 1 or len(chunks) == 1:
        return [path for task in chunks for path in _write(posts, render_posts(*task))]
    # Workers only render: processes creating files in one folder contend for its lock.
    with ProcessPoolExecutor(min(jobs, len(chunks))) as pool:
        rendered = pool.map(render_posts, *zip(*chunks, strict=True))
        return [path for files in rendered for path in _write(posts, files)]


def render_posts(seed: int, first: int, lo: int, hi: int) -> list[tuple[str, bytes]]:
    """File names and contents of posts lo .. hi-1 of a run that starts at `first`."""
    return [
        (p.filename, post_text(seed, p).encode("utf-8"))
        for p in (plan(seed, index, first) for index in range(lo, hi))
    ]


def _write(posts: Path, files: list[tuple[str, bytes]]) -> list[Path]:
    paths = []
    for name, data in files:
        path = posts / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, metavar="N", help="how many posts to write")
    parser.add_argument("dest", type=Path, metavar="DEST", help="the site folder to write into")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--start-index",
        type=int,
        default=0,
        metavar="K",
        help="index of the first post; K = the size of an existing archive adds newer posts",
    )
    parser.add_argument(
        "--jobs", type=int, default=None, help="processes to write with (default: all cores)"
    )
    args = parser.parse_args(argv)
    if args.count < 0 or args.seed < 0 or args.start_index < 0:
        parser.error("N, --seed and --start-index must not be negative")
    began = time.perf_counter()
    written = generate(
        args.count, args.dest, seed=args.seed, start=args.start_index, jobs=args.jobs
    )
    elapsed = time.perf_counter() - began
    print(
        f"wrote {len(written)} posts to {args.dest / '_posts'} in {elapsed:.1f} s", file=sys.stderr
    )


if __name__ == "__main__":
    main()
