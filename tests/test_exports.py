"""The one CSV helper (points/exports.py): Excel's byte-order mark, and no cell a spreadsheet would run."""
from __future__ import annotations

import csv
import io

import pytest

from points.exports import csv_response, csv_text, safe_cell


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_a_cell_a_spreadsheet_would_run_is_kept_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["王芳", "1号楼", "a=b", "", 10, -3, None])
def test_other_cells_are_left_alone(value):
    assert safe_cell(value) == value  # -3 points is a number, not a formula


def test_the_text_starts_with_the_byte_order_mark_and_guards_every_row():
    text = csv_text(["姓名", "积分"], [["=HYPERLINK", -3], ["王芳", 10]])
    assert text.startswith("\ufeff姓名,积分")
    assert list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == [["姓名", "积分"], ["'=HYPERLINK", "-3"], ["王芳", "10"]]


def test_the_response_is_a_csv_download(app):
    with app.test_request_context():
        response = csv_response("attendance-meeting-1.csv", ["@header"], [])
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=attendance-meeting-1.csv"
    assert response.get_data(as_text=True) == "\ufeff'@header\r\n"
