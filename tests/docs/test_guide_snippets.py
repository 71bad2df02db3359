"""Every ```python block of docs/guide/*.md runs, and every page has its small figure.

The snippets carry their own checks (asserts against closed-form values); this test runs
them in a fresh namespace each, with matplotlib's Agg backend.
"""
import pathlib
import re

import pytest

GUIDE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "guide"
PAGES = sorted(p for p in GUIDE.glob("*.md") if p.name != "index.md")
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
SNIPPETS = [(page, i, code) for page in PAGES
            for i, code in enumerate(BLOCK.findall(page.read_text()))]


def test_there_is_a_page_per_topic():
    assert len(PAGES) >= 23


@pytest.mark.parametrize("page, index, code", SNIPPETS,
                         ids=[f"{p.stem}-{i}" for p, i, _ in SNIPPETS])
def test_snippet_runs(page, index, code, monkeypatch, capsys):
    import matplotlib
    matplotlib.use("Agg")
    from deepgrad.optim import _fused
    monkeypatch.setattr(_fused, "ENABLED", False)     # no JIT compile: snippets stay fast
    exec(compile(code, f"{page.name}[{index}]", "exec"), {"__name__": "__guide__"})


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_page_has_snippet_and_small_figure(page):
    text = page.read_text()
    assert BLOCK.search(text), f"{page.name} has no python snippet"
    figures = re.findall(r"!\[[^\]]*\]\((img/[^)]+\.png)\)", text)
    assert figures, f"{page.name} shows no figure"
    for rel in figures:
        path = GUIDE / rel
        assert path.exists(), f"{page.name}: missing {rel} (run docs/guide/make_figures.py)"
        assert path.stat().st_size < 60_000, f"{rel} is {path.stat().st_size} bytes"


def test_index_links_every_page():
    index = (GUIDE / "index.md").read_text()
    for page in PAGES:
        assert f"({page.name})" in index, f"index.md does not link {page.name}"
