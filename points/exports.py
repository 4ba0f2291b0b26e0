"""Downloads for staff, written once: CSV (the UTF-8 byte-order mark and the guard against formula injection),
streamed CSV and Excel .xlsx (XlsxWriter in constant-memory mode) for exports of any size."""
from __future__ import annotations

import csv
import io
from typing import Iterable, Iterator

from flask import Response, stream_with_context

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


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The CSV text of `rows` piece by piece (the byte-order mark first), for a streamed download."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(cell)) for cell in header])
    yield "\ufeff" + out.getvalue()
    for row in rows:
        out.seek(0)
        out.truncate()
        writer.writerow([safe_cell(cell) for cell in row])
        yield out.getvalue()


def csv_stream(filename: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    """Like `csv_response`, but streamed: rows are read and written as the download goes (exports of any size).
    Give a generator that reads in batches; it runs inside the request's app context."""
    return Response(stream_with_context(csv_lines(header, rows)), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_CHUNK = 64 * 1024


def xlsx_file(path: str, sheet: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> int:
    """Write an Excel workbook of one sheet to `path` with XlsxWriter's constant-memory mode (each row goes to a
    temporary file as it is written, so memory stays flat whatever the size). Returns the number of rows."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
    worksheet = workbook.add_worksheet(sheet[:31])
    worksheet.write_row(0, 0, [str(cell) for cell in header])
    count = 0
    for count, row in enumerate(rows, start=1):
        worksheet.write_row(count, 0, [cell if isinstance(cell, (int, float)) or cell is None else str(cell) for cell in row])
    workbook.close()
    return count


def xlsx_stream(filename: str, sheet: str, header: Iterable[object], rows: Iterable[Iterable[object]]) -> Response:
    """An .xlsx download: written to a temporary file in constant memory, then sent in chunks and deleted."""
    import os
    import tempfile

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        xlsx_file(path, sheet, header, rows)
    except BaseException:
        os.unlink(path)
        raise

    def chunks() -> Iterator[bytes]:
        try:
            with open(path, "rb") as file:
                while chunk := file.read(XLSX_CHUNK):
                    yield chunk
        finally:
            os.unlink(path)

    return Response(chunks(), mimetype=XLSX, headers={
        "Content-Disposition": f"attachment; filename={filename}", "Content-Length": str(os.path.getsize(path))})
