"""CSV downloads for staff, written once: the UTF-8 byte-order mark and the guard against formula injection."""
from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response

# Spreadsheets run a cell that starts with one of these as a formula (tab and CR too, after Excel trims them).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe, which keeps it text.
    Numbers are left alone: -3 points is a number, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[object], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with the byte-order mark
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()


def csv_response(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    """A download of `rows` under `header` (lazy translations are fine: every header cell is made a str)."""
    return Response(csv_text(header, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})
