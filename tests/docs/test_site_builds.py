"""The documentation site builds with MkDocs + Material, warnings as errors (--strict)."""
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--config-file", str(REPO / "mkdocs.yml"), "--site-dir", str(site)],
                          capture_output=True, text=True, timeout=300, cwd=REPO, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    pages = {p.parent.name for p in (site / "guide").glob("*/index.html")}
    sources = {p.stem for p in (REPO / "docs" / "guide").glob("*.md")} - {"index"}
    assert sources <= pages, f"pages missing from the site: {sorted(sources - pages)}"
    assert (site / "guide" / "img" / "losses.png").exists()
    assert (site / "architecture" / "index.html").exists()
