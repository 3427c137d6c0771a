"""Text formats and encodings: UTF-8 (BOM), GB18030, Big5, HTML visible text, .docx paragraphs."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus_tools.corpus.formats import canonical_encoding, decode_bytes, html_to_text, read_text
from corpus_tools.errors import DecodeError

ZH = "军埔村的年轻人开网店，贴息贷款降低了创业门槛。\n第二段：物流和租金。"
HANT = "軍埔村的年輕人開網店，政府提供貼息貸款，創業門檻很低。淘寶村的故事在香港報紙上很受關注。"


def test_utf8_and_bom() -> None:
    assert decode_bytes(ZH.encode("utf-8")).text == ZH
    r = decode_bytes(b"\xef\xbb\xbf" + ZH.encode("utf-8"))
    assert r.text == ZH and r.encoding == "utf-8-sig"


def test_crlf_becomes_lf() -> None:
    assert decode_bytes(b"a\r\nb\rc").text == "a\nb\nc"


def test_gb18030_detected() -> None:
    r = decode_bytes(ZH.encode("gb18030"))
    assert r.text == ZH and r.encoding == "gb18030"


def test_big5_detected() -> None:
    r = decode_bytes(HANT.encode("big5"))
    assert r.text == HANT and r.encoding == "big5"


def test_gbk_names_decode_as_gb18030() -> None:
    assert canonical_encoding("GBK") == "gb18030"
    assert canonical_encoding("gb2312") == "gb18030"
    text = "𠀀扩展字符"  # beyond GBK: only GB18030 has it
    assert decode_bytes(text.encode("gb18030"), "gbk").text == text


def test_declared_encoding_wrong_is_clear_error() -> None:
    with pytest.raises(DecodeError, match="line 1"):
        decode_bytes(ZH.encode("gb18030"), "utf-8")


def test_undecodable_bytes() -> None:
    with pytest.raises(DecodeError, match="undecodable"):
        decode_bytes(b"\x81\x30\xff\xfe\x00\x81")


def test_html_visible_text_only() -> None:
    html = """<html><head><title>T</title><style>p{color:red}</style><script>var x='<p>no</p>';</script></head>
    <body><nav><ul><li>首页</li></ul></nav><p>第一段  文字</p><div>第二段<br>第三段</div>
    <!-- comment --><p>&lt;script&gt; 是文字</p></body></html>"""
    text = html_to_text(html)
    assert "var x" not in text and "color" not in text and "T" not in text.split("\n\n")
    assert text.split("\n\n") == ["首页", "第一段 文字", "第二段", "第三段", "<script> 是文字"]


def test_docx_paragraphs(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("访谈者：你好。")
    d.add_paragraph("")
    d.add_paragraph("E1：我们2013年开始。")
    p = tmp_path / "i.docx"
    d.save(str(p))
    assert read_text(p).text == "访谈者：你好。\n\nE1：我们2013年开始。"


def test_bad_docx(tmp_path: Path) -> None:
    p = tmp_path / "bad.docx"
    p.write_bytes(b"not a zip")
    with pytest.raises(DecodeError):
        read_text(p)
