"""The console's ES modules, served by the desk from ``comptoir/desk/static/console/``."""

from __future__ import annotations

import re
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "comptoir" / "desk" / "static" / "console"


def test_the_page_loads_its_modules_from_the_desk(desk):
    page = desk.get("/console/")
    assert page.status_code == 200
    entry = re.search(r'<script type="module" src="(/console/assets/\w+\.js)">', page.text)
    assert entry, page.text
    script = desk.get(entry.group(1))
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("application/javascript")
    assert script.headers["cache-control"] == "no-cache"
    # Every module the entry imports (and they import) is served the same way.
    for module in sorted(ASSETS.glob("*.js")):
        served = desk.get(f"/console/assets/{module.name}")
        assert served.status_code == 200, module.name
        assert served.text == module.read_text(encoding="utf-8")
        for imported in re.findall(r'from "\./([\w-]+\.js)"', served.text):
            assert (ASSETS / imported).is_file(), f"{module.name} imports {imported}"
    # A browser that has the module revalidates it for nothing.
    again = desk.get(entry.group(1), headers={"If-Modified-Since": script.headers["last-modified"]})
    assert again.status_code == 304


def test_only_the_console_modules_are_served(desk):
    for name in ("nope.js", "..%2Fwidget.js", "console.html", "labels.js.map", "%2E%2E"):
        assert desk.get(f"/console/assets/{name}").status_code == 404, name
    assert desk.get("/console/console.js").status_code == 404  # the old single script
