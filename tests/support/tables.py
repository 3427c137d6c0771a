"""Generated tables of texts as researchers bring them: Excel's GBK CSV with semicolons, extra columns, an
English text quoting a Chinese name, and (on request) the usual faults."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

# invented sentences; the lexicon terms in them (租金, 门槛, 网店, rent, profits) make scores non-zero
ZH = ["军埔村的年轻人在淘宝上开网店，租金便宜，门槛也低。", "村里的电商协会请老师讲课，很多人学会了开网店。",
      "政府修了路，物流方便了，网店的利润也高了。", "一位店主说，开网店的门槛低，只要一台电脑就能开张。"]
EN = ["Rents in the village are low, so opening an online shop costs little.",
      "Chen Xiaoming (陈晓明) says profits were high in the first year, and the barriers to entry were low.",
      "Officials built a training centre where young sellers learn to run web shops.",
      "Li Wei opened an online shop after returning from Guangzhou; profits came quickly."]


def texts_frame(n: int = 12) -> pd.DataFrame:
    """n rows: id, 标题 (title), 正文 (text), date in mixed spellings, source type, outlet, and an extra column."""
    rows = []
    dates = ["2013-05-02", "2014/3/5", "2015年6月", "March 5, 2016", "2017", "2012-11"]
    for i in range(n):
        zh = i % 2 == 0
        rows.append({"id": f"D{i + 1:02d}", "标题": f"标题 {i + 1}" if zh else f"Title {i + 1}",
                     "text": ZH[i // 2 % len(ZH)] if zh else EN[i // 2 % len(EN)],
                     "date": dates[i % len(dates)], "type": "news" if i % 3 else "interview",
                     "outlet": "南方日报" if i % 2 == 0 else "Global Retail Review",
                     "region": "Jieyang" if i % 4 < 2 else "Shantou"})
    return pd.DataFrame(rows)


def write_gbk_semicolon(frame: pd.DataFrame, path: Path) -> Path:
    """As Excel saves a CSV on a Chinese-locale Windows with a European list separator: GBK and `;`."""
    path.write_bytes(frame.to_csv(index=False, sep=";").encode("gbk"))
    return path
