"""Headless Chromium for the browser tests, and a local web server for built pages.

Chromium and its driver come from Debian's `chromium` and `chromium-driver` packages,
which `make setup` installs; Selenium drives them without downloading anything.
"""

import contextlib
import functools
import http.server
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from repo import ROOT

# Screenshots and other things a person may want to look at after a run.
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", ROOT / "_build" / "test-artifacts"))


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900):
    """A headless Chromium driven by Selenium; closed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (binary and driver_path):
        pytest.fail("headless Chromium is missing: run `make setup` as root, which installs "
                    "Debian's chromium and chromium-driver (or apt-get install them)")
    profile = tempfile.mkdtemp(prefix="chromium-")
    # Chromium writes its config and caches under XDG folders: keep them in the profile
    # (only for the browser: the tests' own environment stays as it was).
    env = dict(os.environ, XDG_CONFIG_HOME=profile, XDG_CACHE_HOME=profile)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--window-size={width},{height}",
                 f"--user-data-dir={profile}/data"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path, env=env), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def serve(folder: Path):
    """Serve a folder over HTTP on a free localhost port; yields the base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
