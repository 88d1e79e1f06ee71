"""HTML to PDF with headless Chromium (the Debian package): the pack's print CSS decides the
pages (A4 landscape, no table split across pages)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class PdfError(RuntimeError):
    """No browser to print with, or the browser failed."""


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise PdfError("the PDF needs Chromium (apt-get install chromium); the HTML was written")


def print_to_pdf(html: Path, pdf: Path, timeout: float = 120) -> Path:
    with tempfile.TemporaryDirectory(prefix="raa-pdf-") as profile:
        done = subprocess.run(
            [browser(), "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    if done.returncode != 0 or not pdf.exists():
        raise PdfError(f"Chromium could not print {html.name}: {done.stderr.strip()[-300:]}")
    return pdf
