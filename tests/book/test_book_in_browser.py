"""The built book, read in headless Chromium the way a reader reads it.

The book is built with the repository's _config.yml and _toc.yml from the chapters'
quick runs (shared with test_chapters), served over HTTP and every page of the table of
contents is loaded. One test, so pytest-xdist never builds the book twice.
"""

import re
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest
import yaml
from selenium.webdriver.support.ui import WebDriverWait

from browser import ARTIFACTS, chromium, serve
from repo import ROOT
from course.execute import toc_pages
from quick_book import CHAPTERS, build_quick_book, shared_dir

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPOSITORY = CONFIG["repository"]["url"].rstrip("/")
STDOUT_MARK, STDERR_MARK = "stdout-shown-7c1f", "stderr-hidden-9d2e"
STDOUT_MORE = "stdout-joined-3e5a"  # printed later in the same cell: the same block

# Everything a check needs from one loaded page, gathered in the browser.
COLLECT = """
const done = arguments[arguments.length - 1];
const main = document.querySelector('main article') || document.body;
Promise.all([...document.images].map(i => i.complete ? 0 :
    new Promise(r => { i.onload = i.onerror = r; }))).then(() => done({
  errors: [...document.querySelectorAll('.output.error, .output.traceback, .output.stderr')]
      .map(e => e.className),
  tracebacks: [...main.querySelectorAll('.cell_output')]
      .filter(e => e.innerText.includes('Traceback (most recent call last)')).length,
  images: [...document.images].map(i => ({
      src: i.getAttribute('src'), alt: (i.getAttribute('alt') || '').trim(),
      loaded: i.complete && i.naturalWidth > 0,
      captioned: !!(i.closest('figure') && i.closest('figure').querySelector('figcaption'))})),
  pasted: [...document.querySelectorAll('span.pasted-text')].map(e => e.textContent.trim()),
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  headings: [...main.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => +h.tagName[1]),
  favicon: (document.querySelector('link[rel~="icon"]') || {}).href || null,
  logo: !!document.querySelector('.navbar-brand img'),
  text: main.innerText,
  code: [...main.querySelectorAll('.cell_input')].map(e => e.innerText),
  outputs: [...main.querySelectorAll('.cell_output')].map(e => e.innerText),
  streams: [...main.querySelectorAll('.output.stream')].map(e => e.innerText),
  settings: main.querySelectorAll('.tag_parameters, .tag_injected-parameters').length,
  // Anything in a cell that scrolls sideways or sticks out of the page's column.
  scrolling: [...main.querySelectorAll('.cell, .cell *')].filter(e => {
      const style = getComputedStyle(e), right = e.getBoundingClientRect().right;
      return (e.scrollWidth > e.clientWidth + 1 && /auto|scroll/.test(style.overflowX))
          || right > main.getBoundingClientRect().right + 1;
  }).map(e => e.tagName.toLowerCase() + ': ' + e.innerText.split('\\n')[0].slice(0, 60)),
}));
"""
# What only the build should know: cache keys (32 hex digits), paths, Keras's layer numbers.
INTERNALS = re.compile(r"\b[0-9a-f]{32}\b|/(?:work|tmp|home|root|usr)/|_build/|\.npz\b"
                       r"|\bsequential_\d+")
# What a reader should never be shown: library warnings, a raw history dict.
NOT_FOR_READERS = re.compile(r"\bWARNING\b|\w+Warning:|retracing|\{'\w+': \[")


def _toc_pages():
    """Source files (relative to the repository) of every page, in reading order."""
    return [path.relative_to(ROOT) for path in toc_pages(ROOT)]


def _glue_roles(source: Path) -> int:
    text = (ROOT / source).read_text()
    if source.suffix == ".ipynb":
        nb = nbformat.reads(text, as_version=4)
        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return len(re.findall(r"\{glue(?::\w+)?\}`", text))


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200, url
        return response.read()


@pytest.mark.minutes(1.5)
def test_every_page_reads_well_in_a_browser(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    marks = [nbformat.v4.new_output("stream", name="stdout", text=STDOUT_MARK + "\n"),
             nbformat.v4.new_output("stream", name="stderr", text=STDERR_MARK + "\n"),
             nbformat.v4.new_output("stream", name="stdout", text=STDOUT_MORE + "\n")]
    html = build_quick_book(shared_dir(tmp_path_factory), site,
                            extra_outputs={"01_dataset": marks})
    pages, shots = _toc_pages(), ARTIFACTS / "book"
    shutil.rmtree(shots, ignore_errors=True)  # no screenshot left from an earlier run
    problems, seen, results = read_every_page(html, pages, shots)
    assert not problems, "\n".join(problems)
    assert any("book/03_convolutions.html" in r for r in results), results
    assert sorted(p.stem for p in shots.glob("*.png")) == sorted(
        [p.stem for p in pages] + ["search-convolution"])
    assert all(p.read_bytes()[:4] == b"\x89PNG" for p in shots.glob("*.png"))
    figures = {path: sum("_images/" in i["src"] for i in page["images"])
               for path, page in seen.items()}
    assert all(figures[f"/book/{c}.html"] for c in CHAPTERS), figures  # figures were drawn

    # Settings of _config.yml, each seen in the HTML it should change.
    dataset = seen["/book/01_dataset.html"]  # where the two marks were added
    assert STDOUT_MARK in dataset["text"] and STDERR_MARK not in dataset["text"]  # stderr off
    # nb_merge_streams: what a cell prints (a training log's epoch lines) is one block
    assert any(STDOUT_MARK in s and STDOUT_MORE in s for s in dataset["streams"]), (
        dataset["streams"])
    favicon = html / urllib.parse.urlsplit(dataset["favicon"]).path.lstrip("/")
    assert favicon.read_bytes() == (ROOT / CONFIG["html"]["favicon"]).read_bytes()
    assert any(link.rstrip("/") == REPOSITORY for link in dataset["links"])  # repository
    assert any(link.startswith(REPOSITORY + "/issues") for link in dataset["links"])
    assert CONFIG["title"] in (html / "index.html").read_text() + (
        html / "book" / "intro.html").read_text()



def read_every_page(html: Path, pages: list[Path], shots: Path):
    """Load each page in Chromium, screenshot it, and list what a reader would trip on;
    returns (problems, what was seen per URL path, search results for 'convolution')."""
    shots.mkdir(parents=True, exist_ok=True)
    problems, seen = [], {}

    with serve(html) as base, chromium() as browser:
        for source in pages:
            url = f"{base}/{source.with_suffix('.html').as_posix()}"
            browser.get(url)
            page = browser.execute_async_script(COLLECT)
            seen[urllib.parse.urlsplit(url).path] = page
            browser.save_screenshot(str(shots / f"{source.stem}.png"))
            where = source.as_posix()

            if page["errors"] or page["tracebacks"]:
                problems.append(f"{where}: error output {page['errors']}")
            for image in page["images"]:
                if not image["loaded"]:
                    problems.append(f"{where}: image not loaded {image['src']}")
                path_like = re.search(r"(_images/|\.(png|jpe?g|svg|gif)$)", image["alt"])
                if not image["captioned"] and (not image["alt"] or path_like):
                    problems.append(f"{where}: image without alt text or caption "
                                    f"{image['src']} (set mystnb.image.alt on its cell)")
            expected = _glue_roles(source)
            if len(page["pasted"]) != expected or not all(page["pasted"]):
                problems.append(f"{where}: {expected} glued values in the source, "
                                f"{len(page['pasted'])} rendered: {page['pasted'][:5]}")
            if "{glue" in page["text"]:
                problems.append(f"{where}: an unrendered glue role")
            levels = page["headings"]
            if levels[:1] != [1] or levels.count(1) != 1 or any(
                    b > a + 1 for a, b in zip(levels, levels[1:])):
                problems.append(f"{where}: headings out of order {levels}")
            if not page["logo"] or not page["favicon"]:
                problems.append(f"{where}: no logo or favicon")
            problems += _launch_and_download_problems(source, page, base)
            problems += _plumbing_problems(where, page)

        problems += _broken_links(seen, base, html)

        # Search: Sphinx's index, queried from the search page as a reader would.
        browser.get(f"{base}/search.html?q=convolution")
        WebDriverWait(browser, 30).until(lambda b: b.execute_script(
            "return document.querySelectorAll('#search-results li').length > 0"))
        results = browser.execute_script(
            "return [...document.querySelectorAll('#search-results li a')].map(a => a.href)")
        browser.save_screenshot(str(shots / "search-convolution.png"))

    return problems, seen, results


def _plumbing_problems(where: str, page: dict) -> list[str]:
    """A reader sees the lesson: no glue calls, settings cells, build internals, warnings
    or raw dicts, and nothing that scrolls sideways at a 1280-pixel-wide window."""
    problems = [f"{where}: a visible code cell calls glue(: hide it (remove-cell)\n{code}"
                for code in page["code"] if "glue(" in code]
    if page["settings"]:
        problems.append(f"{where}: {page['settings']} visible parameters cell(s)")
    problems += [f"{where}: build internals in an output: {hit.group()!r} in "
                 f"{output[max(0, hit.start() - 60):hit.end() + 20]!r}"
                 for output in page["outputs"] for hit in [INTERNALS.search(output)] if hit]
    problems += [f"{where}: not for readers, in an output: {hit.group()!r} in "
                 f"{output[max(0, hit.start() - 60):hit.end() + 60]!r}"
                 for output in page["outputs"] for hit in [NOT_FOR_READERS.search(output)]
                 if hit]
    problems += [f"{where}: scrolls sideways at 1280 px: {what}" for what in page["scrolling"]]
    return problems


def _launch_and_download_problems(source: Path, page: dict, base: str) -> list[str]:
    """Notebook pages: launch buttons open this notebook; the download is its source."""
    where, links = source.as_posix(), page["links"]
    if source.suffix != ".ipynb":
        return []
    problems = []
    launch = CONFIG["launch_buttons"]
    for service in ("jupyterhub_url", "binderhub_url", "colab_url"):
        hits = [urllib.parse.unquote(link) for link in links if link.startswith(launch[service])]
        if not hits:
            problems.append(f"{where}: no launch button for {service}")
        elif not all(where in hit for hit in hits):
            problems.append(f"{where}: {service} launches another notebook: {hits}")
        elif not all(urllib.parse.urlsplit(REPOSITORY).path in hit for hit in hits):
            problems.append(f"{where}: {service} is not on {REPOSITORY}: {hits}")
    downloads = [link for link in links if link.startswith(base) and link.endswith(".ipynb")]
    if not downloads:
        return problems + [f"{where}: no download button for the notebook"]
    # The page's own notebook: for an exercise, the student version as handed out.
    served = nbformat.reads(_fetch(downloads[0]).decode(), as_version=4)
    wanted = nbformat.read(ROOT / source, as_version=4)
    if _sources(served) != _sources(wanted):
        problems.append(f"{where}: the download is not {where}")
    return problems


def _sources(nb) -> list[str]:
    """Cell sources, without the cell papermill injects into a quick run."""
    return [c.source for c in nb.cells
            if "injected-parameters" not in c.metadata.get("tags", [])]


def _broken_links(seen: dict, base: str, html: Path) -> list[str]:
    """Internal links: the target file exists, and so does the anchor they point to."""
    problems, ids = [], {path: set(page["ids"]) for path, page in seen.items()}
    for path, page in seen.items():
        for link in page["links"]:
            parts = urllib.parse.urlsplit(link)
            if not link.startswith(base):
                continue
            target = html / urllib.parse.unquote(parts.path).lstrip("/")
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                problems.append(f"{path}: broken link {link}")
                continue
            if parts.fragment:
                if parts.path not in ids:
                    ids[parts.path] = set(re.findall(r'\bid="([^"]+)"', target.read_text()))
                if urllib.parse.unquote(parts.fragment) not in ids[parts.path]:
                    problems.append(f"{path}: missing anchor {link}")
    return problems
