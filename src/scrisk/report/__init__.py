"""The risk report: tables -> charts and maps -> HTML, PDF and Excel, in English and Japanese.

* :func:`report_data` (:mod:`scrisk.report.tables`) computes every number once, as
  language-neutral tables;
* :mod:`scrisk.report.figures` and :mod:`scrisk.report.maps` draw them (``ax=None`` in,
  Axes out);
* :func:`write_report` (:mod:`scrisk.report.render`) writes the self-contained HTML and,
  on request, the PDF (headless Chromium) and the Excel workbook;
* :func:`catalogue` (:mod:`scrisk.report.i18n`) holds every label and sentence.

See ``docs/report.md``.
"""

from __future__ import annotations

from scrisk._lazy import lazy_exports

_PUBLIC = {
    "report_data": "scrisk.report.tables",
    "ReportData": "scrisk.report.tables",
    "write_report": "scrisk.report.render",
    "render_html": "scrisk.report.render",
    "ReportFiles": "scrisk.report.render",
    "catalogue": "scrisk.report.i18n",
    "load_page": "scrisk.report.browser",
    "print_pdf": "scrisk.report.browser",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_exports(__name__, _PUBLIC, globals())
