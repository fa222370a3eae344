"""The desk's security headers: the console's inline style is allowed by its exact hash."""

from __future__ import annotations

import base64
import hashlib
import re

from comptoir.desk.headers import STATIC_DIR, console_policy, page_policy
from comptoir.desk.pages import configured_desk_url
from comptoir.settings import Settings


def test_the_console_policy_allows_its_own_style_and_scripts_only():
    page = (STATIC_DIR / "console.html").read_text(encoding="utf-8")
    style = re.search(r"<style>(.*?)</style>", page, re.DOTALL).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = console_policy()
    assert f"style-src 'self' 'sha256-{digest}'" in policy
    assert "script-src 'self';" in policy and "unsafe" not in policy
    assert "frame-ancestors 'none'" in policy
    assert " style=" not in page and "<script>" not in page, "nothing else inline"


def test_the_demo_page_points_at_the_configured_desk():
    settings = Settings(desk_host="0.0.0.0", desk_port=8123)
    assert configured_desk_url(settings) == "http://127.0.0.1:8123"
    assert configured_desk_url(Settings(desk_host="::1", desk_port=80)) == "http://[::1]:80"
    policy = page_policy(settings)
    assert "script-src 'self' http://127.0.0.1:8123;" in policy
    assert "ws://127.0.0.1:8123" in policy and "'unsafe-eval'" not in policy
