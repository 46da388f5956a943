"""Hostile cases found by the third attack pass (issues 12, 14, 15)."""
from __future__ import annotations

import shutil

import openpyxl
import pytest

from nscl_xl.udfs import SOTIEN
from nscl_xl.verify import verify_path
from nscl_xl.words import words_to_amount

from .conftest import WORKBOOKS


# Issue 15: "./." is how Vietnamese administrative documents end an amount line
# ("Bằng chữ: Hai tỷ ... đồng chẵn./."); it was refused as a word after "đồng".
@pytest.mark.parametrize("text, value", [
    ("Một tỷ đồng chẵn./.", 1_000_000_000),
    ("(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn./.)", 2_628_000_000),
    ("năm trăm nghìn đồng./.", 500_000),
    ("5 tỷ 300 triệu đồng./.", 5_300_000_000),
])
def test_words_admin_terminator(text, value):
    assert words_to_amount(text) == value
    assert SOTIEN(text) == value


def test_words_line_with_admin_terminator_passes_verify(tmp_path):
    path = tmp_path / "kg.xlsx"
    shutil.copy(WORKBOOKS / "kien_giang_2024.xlsx", path)
    wb = openpyxl.load_workbook(path)
    wb["Phụ lục"]["A20"] = "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn./.)"
    wb.save(path)
    _, findings = verify_path(path)
    assert [(f.sheet, f.cell, f.rule) for f in findings if f.rule == "words"] == []
