"""Small synthetic archives shaped like the finews posts, for tests that need thousands.

Post i is drawn from a random stream keyed by (seed, i): the same arguments give the same
bytes. Front matter is written as the archive's scraper wrote it (`title: "…"`, a
`date: … +0800`, one pinyin category, its outlet tag); the body is a `> digest`, a few
HTML paragraphs and the eastmoney autolink.
"""

import os
import random
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

OUTLETS = (
    ("emnews", "东财滚动新闻"),
    ("cailianshe", "财联社新闻"),
    ("zhengquanshibao", "证券时报新闻"),
    ("zhongguozhengquanbao", "中国证券报新闻"),
    ("shanghaizhengquanbao", "上海证券报新闻"),
    ("meirijingjixinwen", "每日经济新闻新闻"),
    ("21shijijingjibaodao", "21世纪经济报道新闻"),
    ("quanshangzhongguo", "券商中国新闻"),
    ("zhongguojijinbao", "中国基金报新闻"),
    ("yangshixinwenkehuduan", "央视新闻客户端新闻"),
    ("dongfangcaifuyanjiuzhongxin", "东方财富研究中心新闻"),
    ("zhengquanribao", "证券日报新闻"),
    ("diyicaijing", "第一财经新闻"),
    ("xinhuashe", "新华社新闻"),
    ("jingjicankaobao", "经济参考报新闻"),
    ("jiemianxinwen", "界面新闻新闻"),
    ("renminwang", "人民网新闻"),
    ("jingjiribao", "经济日报新闻"),
    ("zhongguoxinwenwang", "中国新闻网新闻"),
    ("pengpaixinwen", "澎湃新闻新闻"),
    ("shanghaizhengquanbao·zhongguozhengquanwang", "上海证券报·中国证券网新闻"),
    ("beijingshangbao", "北京商报新闻"),
    ("xinjingbao", "新京报新闻"),
    ("huaxiashibao", "华夏时报新闻"),
    ("guojijinrongbao", "国际金融报新闻"),
    ("zhongguojingyingbao", "中国经营报新闻"),
    ("jinrongshibao", "金融时报新闻"),
    ("huanqiuwang", "环球网新闻"),
    ("yangxingwangzhan", "央行网站新闻"),
    ("quanzhouwanbao", "泉州晚报新闻"),
)
SUBJECTS = ("北向资金", "央行", "沪指", "创业板指", "人民币", "锂电板块", "券商股", "港股")
EVENTS = ("净流入超40亿元", "开展逆回购操作", "午后拉升涨超1%", "兑美元升至新高", "集体走强")
SENTENCES = (
    "市场人士认为，流动性合理充裕的格局有望延续。",
    "分析师表示，短期震荡不改中长期向好趋势。",
    "数据显示，两市成交额连续第五个交易日突破万亿元。",
    "业内人士指出，政策效果将在未来几个季度逐步显现。",
    "机构预计，全年经济增长目标有望顺利实现。",
)
FIRST = datetime(2021, 12, 8, 9, 30)


def post_name(i: int) -> str:
    day = (FIRST + timedelta(minutes=7 * i)).strftime("%Y-%m-%d")
    return f"{day}-NW{202112082206670000 + i * 1733}.md"


def post_text(i: int, *, seed: int = 0, edition: int = 0) -> str:
    """Post i of the archive; another `edition` changes its title and body, not its id."""
    rng = random.Random(f"{seed}:{i}")
    category, tag = OUTLETS[min(int(rng.paretovariate(1.2)) - 1, len(OUTLETS) - 1)]
    when = FIRST + timedelta(minutes=7 * i, seconds=rng.randrange(60))
    title = f"{rng.choice(SUBJECTS)}{rng.choice(EVENTS)}" + (
        f"（更新{edition}）" if edition else ""
    )
    paragraphs = "".join(f"<p>{rng.choice(SENTENCES)}</p>" for _ in range(rng.randrange(1, 5)))
    code = post_name(i).split("-NW")[1].removesuffix(".md")
    return (
        f'---\nlayout: post\ntitle: "{title}"\n'
        f"date: {when:%Y-%m-%d %H:%M:%S} +0800\ncategories: {category}\ntags: {tag}\n---\n"
        f"> {title}。\n\n{paragraphs}\n\n"
        f"<http://finance.eastmoney.com/news/1354,{code}.html>\n"
    )


def write_archive(dest: Path, count: int, *, seed: int = 0, age: float = 3600.0) -> Path:
    """Posts 0..count-1 in dest, last modified `age` seconds ago, as an archive's are."""
    dest.mkdir(parents=True, exist_ok=True)
    then = time.time() - age
    for i in range(count):
        path = dest / post_name(i)
        path.write_text(post_text(i, seed=seed), encoding="utf-8")
        os.utime(path, (then, then))
    return dest


def edit_posts(dest: Path, indices: Iterable[int], *, seed: int = 0, edition: int = 1) -> None:
    """Give these posts a new edition: a new title and body, the same file and id."""
    for i in indices:
        (dest / post_name(i)).write_text(post_text(i, seed=seed, edition=edition), encoding="utf-8")
