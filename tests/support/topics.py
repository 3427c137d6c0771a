"""Themed synthetic corpora for the topic-model and expansion tests (seeded, English, fast to tokenize)."""

from __future__ import annotations

import random
from typing import Any

THEMES = {
    "logistics": "courier parcel delivery warehouse truck logistics express shipping depot dispatch freight "
                 "packing tracking loading pickup",
    "family": "family parents children cousins neighbours relatives grandmother brother sister uncle "
              "household kinship wedding festival",
    "government": "government officials policy training loans subsidy office bureau permit registration "
                  "programme scheme inspection committee",
    "brands": "brand company trademark design quality factory patent label marketing fashion catalogue "
              "showroom boutique collection",
}
STAGE_THEMES = {"budding": ("logistics", "family"), "growth": ("logistics", "government"),
                "mature": ("government", "brands")}
YEARS = {"budding": "2010", "growth": "2013", "mature": "2016"}


def paragraph(rng: random.Random, theme: str, n: int = 12) -> str:
    """One paragraph: n words of the theme, in a seeded random order, as a sentence."""
    words = THEMES[theme].split()
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


def themed_docs(per_stage: dict[str, int] | None = None, paragraphs: int = 8, seed: int = 1,
                undated: int = 0) -> list[dict[str, Any]]:
    """Documents for make_corpus: `per_stage` documents per stage, each `paragraphs` paragraphs long."""
    rng = random.Random(seed)
    per_stage = per_stage if per_stage is not None else {"budding": 6, "growth": 6, "mature": 6}
    docs = []
    for stage, n_docs in per_stage.items():
        for d in range(n_docs):
            paras = [paragraph(rng, rng.choice(STAGE_THEMES[stage])) for _ in range(paragraphs)]
            docs.append({"doc_id": f"{stage[0].upper()}{d:02d}", "text": "\n\n".join(paras),
                         "date": f"{YEARS[stage]}-0{1 + d % 9}-15", "lang": "en"})
    for d in range(undated):
        paras = [paragraph(rng, rng.choice(list(THEMES))) for _ in range(paragraphs)]
        docs.append({"doc_id": f"U{d:02d}", "text": "\n\n".join(paras), "lang": "en"})
    return docs


# --- bilingual corpus (issue 13): two themes written in Chinese and English, one only in Chinese ----------
BILINGUAL_THEMES = {
    "logistics": ("快递 物流 包裹 仓库 卡车 运输 司机 货运",
                  "delivery logistics parcels warehouse trucks transport drivers cargo"),
    "livestream": ("直播 主播 观众 粉丝 视频 屏幕 手机 网红",
                   "broadcast anchor audience fans video screen phone celebrity"),
    "tea": ("茶叶 茶园 绿茶 茶农 茶壶 采摘 山坡 泡茶", ""),
}
# the same links in the CC-CEDICT format (a stand-in dictionary file; the installed one has them too)
MINI_CEDICT = """# test dictionary in the CC-CEDICT format
快遞 快递 [kuai4 di4] /express delivery/
物流 物流 [wu4 liu2] /distribution (business)/logistics/
包裹 包裹 [bao1 guo3] /to wrap up/to bind up/bundle/parcel/package/
倉庫 仓库 [cang1 ku4] /depot/storehouse/warehouse/
卡車 卡车 [ka3 che1] /truck/CL:輛|辆[liang4]/
運輸 运输 [yun4 shu1] /to transport/to carry/transportation/
司機 司机 [si1 ji1] /chauffeur/driver/
貨運 货运 [huo4 yun4] /freight transport/cargo/
直播 直播 [zhi2 bo1] /(TV, radio) to broadcast live/live broadcast/
主播 主播 [zhu3 bo1] /anchor/
觀眾 观众 [guan1 zhong4] /spectators/audience/visitors/
粉絲 粉丝 [fen3 si1] /bean vermicelli/fan/enthusiast/
視頻 视频 [shi4 pin2] /video/
屏幕 屏幕 [ping2 mu4] /screen/
手機 手机 [shou3 ji1] /cell phone/mobile phone/
網紅 网红 [wang3 hong2] /Internet celebrity/
茶葉 茶叶 [cha2 ye4] /tea/tea leaves/
"""
BACKGROUND_EN = "The village committee thanks every reader of this newsletter for their support."
BACKGROUND_ZH = "本文由村委会宣传办公室统一提供并负责解释。"


def bilingual_paragraph(rng: random.Random, theme: str, lang: str, n: int = 12) -> str:
    """n words of one theme in one language (Chinese words joined by 、), as a sentence."""
    zh, en = BILINGUAL_THEMES[theme]
    words = (zh if lang == "zh" else en).split()
    picked = [rng.choice(words) for _ in range(n)]
    return ("、".join(picked) + "。") if lang == "zh" else " ".join(picked).capitalize() + "."


def bilingual_docs(n_docs: int = 48, paragraphs: int = 4, seed: int = 3, junk: bool = True,
                   livestream_by_stage: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Documents half in Chinese, half in English: logistics and livestream in both languages, tea only in
    the Chinese ones. `livestream_by_stage`: share of livestream paragraphs per stage (a planted stage effect
    on prevalence); source_type is assigned at random (no planted effect). With `junk`, every document carries
    a repeated background sentence, some a pinyin annotation run or a share-button line."""
    rng = random.Random(seed)
    shares = livestream_by_stage or {"budding": 0.15, "growth": 0.4, "mature": 0.7}
    stages = list(shares)
    docs = []
    for d in range(n_docs):
        stage = stages[d % len(stages)]
        lang = "zh" if (d // len(stages)) % 2 == 0 else "en"
        paras = []
        for _ in range(paragraphs):
            if rng.random() < shares[stage]:
                theme = "livestream"
            elif lang == "zh" and rng.random() < 0.4:
                theme = "tea"
            else:
                theme = "logistics"
            paras.append(bilingual_paragraph(rng, theme, lang))
        if junk:
            paras[0] += (BACKGROUND_ZH if lang == "zh" else " " + BACKGROUND_EN)
            if d % 4 == 0:
                paras.append("茶园（chá yuán）采摘 xiāng kāi fā" if lang == "zh" else "Share this: WeChat | Weibo")
        docs.append({"doc_id": f"B{d:03d}", "text": "\n\n".join(paras), "lang": "zh-Hans" if lang == "zh" else "en",
                     "date": {"budding": "2011", "growth": "2013", "mature": "2016"}[stage] + f"-0{1 + d % 9}-10",
                     "source_type": rng.choice(["media", "government"])})
    return docs
