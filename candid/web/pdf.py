"""The visit summary as a PDF, from the same HTML the printable page shows.

WeasyPrint fetches nothing from the network: stylesheets are read from the package's own
static folder, and every other URL is refused, so a template change cannot leak a request.
"""

from __future__ import annotations

from typing import Any

from weasyprint import CSS, HTML  # type: ignore[import-untyped]

PRINT_CSS = """
@page {
  size: A4;
  margin: 18mm 16mm;
  @bottom-right { content: counter(page) " / " counter(pages); font-size: 9pt; }
}
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; }
h1 { font-size: 18pt; }
h2 { font-size: 13pt; margin-top: 14pt; }
.candid-no-print, .nhsuk-header, .nhsuk-footer-container, .nhsuk-skip-link,
.nhsuk-back-link { display: none; }
/* Screen-reader-only text (the tables' captions) would print as a second copy of each heading. */
.nhsuk-u-visually-hidden { display: none; }
ul.candid-tickboxes { list-style: none; padding-left: 0; }
.candid-header-block { border: 1px solid #d8dde0; padding: 4pt 8pt; }
.candid-header-block dt { font-weight: bold; }
.candid-header-block dd { margin: 0 0 4pt 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; border-bottom: 1px solid #d8dde0; padding: 3pt; vertical-align: top; }
"""


def _refuse(url: str, **_: Any) -> dict[str, Any]:
    raise ValueError(f"the visit summary may not load {url}")


def html_to_pdf(html: str) -> bytes:
    pdf = HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(string=PRINT_CSS)])
    assert isinstance(pdf, bytes)
    return pdf
