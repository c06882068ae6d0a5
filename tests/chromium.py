"""Headless Debian Chromium driven by Selenium, or the reason it cannot be had here.

Selenium is pointed at /usr/bin/chromedriver and /usr/bin/chromium explicitly, so Selenium
Manager never tries to download a driver or a browser (this machine has no network).
"""

import os
import shutil
import tempfile

import pytest

CHROMIUM = os.environ.get("PUREGRAD_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PUREGRAD_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,900", "--hide-scrollbars")


def missing():
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} not found (Debian: apt-get install {package}; .ci/run installs it)"
    return None


def start():
    """A new headless Chromium with a fresh profile; ``driver.profile`` is removed by ``stop``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="puregrad-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    driver.profile = profile
    return driver


def stop(driver):
    driver.quit()
    shutil.rmtree(driver.profile, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run; tests skip, saying why, where it cannot be had."""
    reason = missing()
    if reason:
        pytest.skip(f"browser test: {reason}")
    try:
        driver = start()
    except Exception as e:  # a driver that will not start is as absent as a missing one here
        pytest.skip(f"browser test: Chromium did not start ({str(e).splitlines()[0]})")
    yield driver
    stop(driver)
