"""Report sections that only present: each builds its part of the page from ReportData."""
