"""The step-through page in headless Chromium: what it shows after each Next, Previous and arrow key
is the grads ``backward_steps()`` gives in Python. Skips, saying why, where Chromium can't be had."""

import shutil

import pytest

from autograd import Value, topological_order, view
from view_pages import expected, neuron, shared, small_tensor_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")

SHOWN = """return Array.from(document.querySelectorAll('[data-grad-of]'))
  .sort((a, b) => a.getAttribute('data-grad-of') - b.getAttribute('data-grad-of'))
  .map(e => [e.getAttribute('data-grad'), e.textContent]);"""


def open_page(browser, path):
    browser.get(path.as_uri())
    assert browser.execute_script("return document.documentElement.getAttribute('data-ready')") == "1"


def shown(browser):
    """The exact grad each box holds (data-grad), checked against the text it shows."""
    pairs = browser.execute_script(SHOWN)
    for exact, text in pairs:
        assert text.startswith("grad ")
        if exact not in ("", "None") and not exact.startswith("["):
            assert float(text[5:]) == pytest.approx(float(exact), rel=1e-5, abs=1e-300)
    return [exact for exact, _ in pairs]


def position(browser):
    return int(browser.find_element("id", "position").get_attribute("data-position"))


def press(browser, key):
    from selenium.webdriver.common.action_chains import ActionChains
    ActionChains(browser).send_keys(key).perform()


@pytest.mark.parametrize("make, chosen", [(neuron, "layered"), pytest.param(neuron, "graphviz", marks=needs_dot),
                                          (shared, "auto"), (small_tensor_graph, "auto")])
def test_next_previous_and_arrow_keys_show_the_grads_of_each_step(browser, tmp_path, make, chosen):
    from selenium.webdriver.common.keys import Keys

    root = make()
    order = topological_order(root)
    steps = list(root.backward_steps())
    positions = expected(root)
    view(root, tmp_path / "page.html", layout=chosen)
    open_page(browser, tmp_path / "page.html")
    assert shown(browser) == positions[0] and position(browser) == 0
    nxt = browser.find_element("id", "next")
    for k in range(1, len(positions)):
        if k % 2:
            nxt.click()
        else:
            press(browser, Keys.ARROW_RIGHT)
        assert position(browser) == k
        assert shown(browser) == positions[k]
        current = browser.find_element("css selector", "g.node.current")
        assert order[int(current.get_attribute("data-node"))] is steps[k - 1].node
        explained = browser.find_element("id", "explain").text
        assert f"\nrule of {steps[k - 1].node.op}" in explained
    assert not nxt.is_enabled()
    press(browser, Keys.ARROW_RIGHT)  # past the end nothing moves
    assert position(browser) == len(steps)
    browser.find_element("id", "prev").click()
    press(browser, Keys.ARROW_LEFT)
    assert position(browser) == len(steps) - 2 and shown(browser) == positions[-3]
    press(browser, Keys.HOME)
    assert position(browser) == 0 and shown(browser) == positions[0]
    assert not browser.find_element("id", "prev").is_enabled()
    assert browser.find_element("id", "graph").size["width"] > 100
    shot = tmp_path / "page.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 5000


def test_the_notebook_frame_steps_too(browser, tmp_path):
    root = neuron()
    positions = expected(root)
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!DOCTYPE html><html><body><h1>Out[1]:</h1>{view(root)._repr_html_()}</body></html>",
                        encoding="utf-8")
    browser.get(notebook.as_uri())
    browser.switch_to.frame(browser.find_element("tag name", "iframe"))
    try:
        assert shown(browser) == positions[0]
        for k in (1, 2):
            browser.find_element("id", "next").click()
            assert shown(browser) == positions[k]
    finally:
        browser.switch_to.default_content()


def test_a_graph_past_the_limit_shows_a_note_and_the_table(browser, tmp_path):
    from autograd import viewer
    x = Value(0.5, "x")
    y = x
    for _ in range(viewer.MAX_DRAWN):
        y = y * 1.0
    view(y, tmp_path / "big.html")
    browser.get((tmp_path / "big.html").as_uri())
    note = browser.find_elements("class name", "note")[-1]
    assert note.is_displayed() and "listed as a table" in note.text
    rows = browser.find_elements("css selector", "tr[data-step]")
    assert len(rows) == viewer.MAX_DRAWN and rows[0].is_displayed()
    assert not browser.find_elements("id", "next")
