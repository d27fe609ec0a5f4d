"""Headless Chromium (Debian's chromium + chromium-driver) driven by Selenium over a
loopback HTTP server: every chapter page must load with all its images decoded and every
internal link resolving. Screenshots go to a folder for people to look at."""
from __future__ import annotations

import contextlib
import functools
import shutil
import tempfile
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urlparse

CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1600"]


def chromium_paths() -> tuple[str, str] | None:
    """(browser, driver) executables when both are installed."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (random port) for the duration of the block."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def browser():
    """A headless Chromium WebDriver with a fresh profile, closed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are not installed")
    profile = tempfile.mkdtemp(prefix="ecglib-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = paths[0]
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(paths[1]), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def check_page(driver, base: str, page: str, html_root: Path) -> dict:
    """Load ``page``; report its title, images (broken ones) and internal links (dead ones)."""
    driver.get(f"{base}/{page}")
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.src, i.complete && i.naturalWidth > 0]);")
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href);")
    blocks = driver.execute_script(BLOCKS_JS)
    dead = []
    for href in links:
        url = urlparse(urldefrag(href)[0])
        if not href.startswith(base) or not url.path:
            continue
        target = html_root / url.path.lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            dead.append(href)
    return {"page": page, "title": driver.title, "images": len(images),
            "broken_images": [src for src, ok in images if not ok], "dead_links": dead,
            **blocks}


#: what a chapter shows: code cells, source pulled in by literalinclude (a Python block
#: outside any cell), exercises, solutions, and the solutions whose content is on screen
BLOCKS_JS = """
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
const solutions = Array.from(document.querySelectorAll('div.solution'));
return {
  code_cells: document.querySelectorAll('div.cell div.cell_input').length,
  includes: Array.from(document.querySelectorAll('div.highlight-python'))
                 .filter(d => !d.closest('div.cell')).length,
  exercises: document.querySelectorAll('div.exercise').length,
  solutions: solutions.length,
  open_solutions: solutions.filter(s => Array.from(s.children)
      .filter(c => !c.classList.contains('admonition-title') && c.tagName !== 'BUTTON')
      .some(shown)).length,
};
"""
