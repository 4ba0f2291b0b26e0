"""Readable devices for the check-in log: "微信 · 安卓" instead of a 150-character user-agent string.

A handful of rules is enough: residents scan with WeChat or the phone's own browser, staff use a phone or a desk
computer, scanner devices come through the API under the name staff gave their token. A general parser
(ua-parser and its megabyte of rules) would name the same few, and its English names would still need ours.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# First match wins: apps that open pages inside themselves say so before the engine they are built on
# (WeChat's user agent also says Safari or Chrome), and Edge and Chrome both say Safari.
APPS = (
    ("wxwork/", _l("WeCom")),
    ("MicroMessenger", _l("WeChat")),
    ("AlipayClient", _l("Alipay")),
    ("DingTalk", _l("DingTalk")),
    (" QQ/", "QQ"),
    ("MQQBrowser", _l("QQ Browser")),
    ("UCBrowser", _l("UC Browser")),
    ("Quark", _l("Quark")),
    ("baiduboxapp", _l("Baidu app")),
    ("HuaweiBrowser", _l("Huawei browser")),
    ("MiuiBrowser", _l("Xiaomi browser")),
    ("HeyTapBrowser", _l("OPPO browser")),
    ("VivoBrowser", _l("vivo browser")),
    ("SamsungBrowser", _l("Samsung browser")),
    ("EdgA/", "Edge"), ("EdgiOS/", "Edge"), ("Edg/", "Edge"),
    ("Firefox/", "Firefox"), ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
# HarmonyOS phones also say Android, and iPads may say Macintosh: the specific name first.
SYSTEMS = (
    ("HarmonyOS", _l("HarmonyOS")), ("OpenHarmony", _l("HarmonyOS")),
    ("iPhone", "iPhone"), ("iPad", "iPad"),
    ("Android", _l("Android")),
    ("Windows", "Windows"), ("Macintosh", "Mac"), ("CrOS", "ChromeOS"), ("Linux", "Linux"),
)
API_PREFIX = "API "  # the check-in API logs "API <token name> · <user agent>" (points/checkin/api.py)


def describe_device(raw: str | None) -> str:
    """"微信 · 安卓", "Safari · iPhone", "扫码设备「自助机」"; "" when nothing was recorded."""
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith(API_PREFIX):
        name = text[len(API_PREFIX):].split("·", 1)[0].strip()
        return _("Scanner device “%(name)s”", name=name) if name else _("Scanner device")
    app = next((str(label) for token, label in APPS if token in text), "")
    system = next((str(label) for token, label in SYSTEMS if token in text), "")
    return " · ".join(part for part in (app, system) if part) or _("Other device")


# Words every browser sends that name nothing: dropped before storing, so that the 200 characters kept hold what
# does (WeChat's MicroMessenger comes after 200 characters of them).
_NOISE = re.compile(r"Mozilla/5\.0 |AppleWebKit/[\d.]+\+? |\(KHTML, like Gecko\) ?| Build/[^;)]+|; wv\b|Version/[\d.]+ ")


def compact_user_agent(raw: str | None, *, limit: int = 200) -> str:
    """The user agent as the log keeps it: without the noise, and if still too long its start and its end."""
    text = " ".join(_NOISE.sub("", raw or "").split())
    if len(text) <= limit:
        return text
    half = (limit - 1) // 2
    return text[:half] + "…" + text[-(limit - 1 - half):]
