"""The check-in log names the device in two words, not a raw user-agent string."""
from __future__ import annotations

import pytest

from points.checkin.devices import describe_device

WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 12; V2134A Build/SP1A.210812.003; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Version/4.0 Chrome/101.0.4951.74 Mobile Safari/537.36 XWEB/1300135 MMWEBSDK/20240404 "
                  "MicroMessenger/8.0.49.2600(0x2800313B) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64")
WECHAT_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Mobile/15E148 MicroMessenger/8.0.48(0x18003029) NetType/4G Language/zh_CN")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.4 Mobile/15E148 Safari/604.1")
CHROME_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 "
                  "Safari/537.36")
EDGE_WINDOWS = CHROME_WINDOWS + " Edg/124.0.2478.51"
HUAWEI_HARMONY = ("Mozilla/5.0 (Linux; Android 12; HarmonyOS; NOH-AN00; HMSCore 6.13.0.302) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/114.0.5735.196 HuaweiBrowser/15.0.4.312 Mobile Safari/537.36")
ALIPAY_ANDROID = ("Mozilla/5.0 (Linux; U; Android 11; zh-CN; M2012K11AC Build/RKQ1.200826.002) AppleWebKit/537.36 (KHTML, "
                  "like Gecko) Version/4.0 Chrome/69.0.3497.100 UWS/3.22.2.43 Mobile Safari/537.36 AlipayClient/10.5.36.8100")


@pytest.mark.parametrize(("raw", "expected"), [
    (WECHAT_ANDROID, "微信 · 安卓"),
    (WECHAT_IPHONE, "微信 · iPhone"),
    (SAFARI_IPHONE, "Safari · iPhone"),
    (CHROME_WINDOWS, "Chrome · Windows"),
    (EDGE_WINDOWS, "Edge · Windows"),
    (HUAWEI_HARMONY, "华为浏览器 · 鸿蒙"),
    (ALIPAY_ANDROID, "支付宝 · 安卓"),
    (f"API 自助机 · {CHROME_WINDOWS}", "扫码设备「自助机」"),
    ("API 自助机 · ", "扫码设备「自助机」"),
    ("curl/8.5.0", "其他设备"),
    ("", ""),
    (None, ""),
])
def test_devices_are_named_in_two_words(app, raw, expected):
    with app.test_request_context():
        assert describe_device(raw) == expected


def test_english_names_too(app):
    with app.test_request_context():
        from flask import session

        session["lang"] = "en"
        assert describe_device(WECHAT_ANDROID) == "WeChat · Android"


def test_the_log_keeps_the_words_that_name_the_device(app):
    from points.checkin.devices import compact_user_agent

    kept = compact_user_agent(WECHAT_ANDROID)
    assert len(WECHAT_ANDROID) > 200 and len(kept) <= 200
    assert "MicroMessenger" in kept and "Android 12" in kept and "KHTML" not in kept
    very_long = compact_user_agent("Android " + "x" * 500 + " MicroMessenger/8.0")
    assert len(very_long) == 200 and very_long.startswith("Android") and very_long.endswith("MicroMessenger/8.0")
    with app.test_request_context():
        assert describe_device(kept) == "微信 · 安卓"
