"""Official province order: the code list data file, the 2025 merger, Vietnamese collation."""

from __future__ import annotations

import csv
from importlib import resources

from nscl_xl import provinces as P

# DOMAIN.md §5 (Resolution 202/2025/QH15), written here independently of the data file.
MERGER = {
    "Tuyên Quang": ["Tuyên Quang", "Hà Giang"], "Lào Cai": ["Lào Cai", "Yên Bái"],
    "Thái Nguyên": ["Thái Nguyên", "Bắc Kạn"], "Phú Thọ": ["Phú Thọ", "Vĩnh Phúc", "Hòa Bình"],
    "Bắc Ninh": ["Bắc Ninh", "Bắc Giang"], "Hưng Yên": ["Hưng Yên", "Thái Bình"],
    "Hải Phòng": ["Hải Phòng", "Hải Dương"], "Ninh Bình": ["Ninh Bình", "Hà Nam", "Nam Định"],
    "Quảng Trị": ["Quảng Trị", "Quảng Bình"], "Đà Nẵng": ["Đà Nẵng", "Quảng Nam"],
    "Quảng Ngãi": ["Quảng Ngãi", "Kon Tum"], "Gia Lai": ["Gia Lai", "Bình Định"],
    "Khánh Hòa": ["Khánh Hòa", "Ninh Thuận"], "Lâm Đồng": ["Lâm Đồng", "Đắk Nông", "Bình Thuận"],
    "Đắk Lắk": ["Đắk Lắk", "Phú Yên"], "Hồ Chí Minh": ["Hồ Chí Minh", "Bình Dương", "Bà Rịa – Vũng Tàu"],
    "Đồng Nai": ["Đồng Nai", "Bình Phước"], "Tây Ninh": ["Tây Ninh", "Long An"],
    "Cần Thơ": ["Cần Thơ", "Sóc Trăng", "Hậu Giang"], "Vĩnh Long": ["Vĩnh Long", "Bến Tre", "Trà Vinh"],
    "Đồng Tháp": ["Đồng Tháp", "Tiền Giang"], "Cà Mau": ["Cà Mau", "Bạc Liêu"],
    "An Giang": ["An Giang", "Kiên Giang"],
    "Hà Nội": ["Hà Nội"], "Huế": ["Thừa Thiên Huế"], "Lai Châu": ["Lai Châu"], "Điện Biên": ["Điện Biên"],
    "Sơn La": ["Sơn La"], "Lạng Sơn": ["Lạng Sơn"], "Quảng Ninh": ["Quảng Ninh"], "Thanh Hóa": ["Thanh Hóa"],
    "Nghệ An": ["Nghệ An"], "Hà Tĩnh": ["Hà Tĩnh"], "Cao Bằng": ["Cao Bằng"],
}


def _rows():
    with resources.files("nscl_xl.data").joinpath("provinces.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_code_list_data_file():
    rows = _rows()
    codes = [int(r["code"]) for r in rows]
    assert len(rows) == 63 and len(set(codes)) == 63 and codes == sorted(codes)
    assert (codes[0], rows[0]["province"]) == (1, "Hà Nội") and (codes[-1], rows[-1]["province"]) == (96, "Cà Mau")
    assert [r["province"] for r in rows[:4]] == ["Hà Nội", "Hà Giang", "Cao Bằng", "Bắc Kạn"]  # 01, 02, 04, 06
    new = {}
    for r in rows:
        new.setdefault(r["province_2025"], set()).add(int(r["code_2025"]))
    assert len(new) == 34 and all(len(c) == 1 for c in new.values())
    assert len({next(iter(c)) for c in new.values()}) == 34
    members = {n: sorted(r["province"] for r in rows if r["province_2025"] == n) for n in new}
    assert members == {n: sorted(m) for n, m in MERGER.items()}
    old_code = {r["province"]: int(r["code"]) for r in rows}
    for name, (c,) in new.items():  # a merged unit keeps the code of one of its members
        assert c in {old_code[m] for m in members[name]}, name


def test_official_order_not_code_point_order():
    names = ["Bình Thuận", "Bình Định", "Bạc Liêu", "Bắc Giang", "Yên Bái", "Đà Nẵng", "Đồng Tháp", "An Giang"]
    assert sorted(names, key=P.order_key) == ["Yên Bái", "Bắc Giang", "Đà Nẵng", "Bình Định", "Bình Thuận",
                                              "Đồng Tháp", "An Giang", "Bạc Liêu"]  # 15 24 48 52 60 87 89 95
    assert P.all_provinces() == [r["province"] for r in _rows()]
    assert P.code("TP Hồ Chí Minh") == 79 and P.code("Tỉnh Sóc Trăng") == 94 and P.code("Huế") == 46
    after = ["Cà Mau", "Đồng Tháp", "Cần Thơ", "An Giang", "Huế", "Hà Nội", "Lào Cai", "Gia Lai"]
    assert sorted(after, key=lambda n: P.order_key(n, "2025")) == ["Hà Nội", "Lào Cai", "Huế", "Gia Lai",
                                                                   "Đồng Tháp", "An Giang", "Cần Thơ", "Cà Mau"]


def test_vietnamese_collation_for_unknown_names():
    words = ["Đông", "Dương", "Ăn", "An", "Âm", "Ơn", "Ôn", "On", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Ư", "U", "Ê", "E"]
    assert sorted(words, key=P.collation_key) == ["An", "Ăn", "Âm", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Dương",
                                                  "Đông", "E", "Ê", "On", "Ôn", "Ơn", "U", "Ư"]
    # Unknown names come after every coded province, in that order; NFD text sorts as NFC.
    import unicodedata

    names = ["Đặc khu X", "Cà Mau", "Ấp Y", unicodedata.normalize("NFD", "Bình Z"), "Hà Nội"]
    assert sorted(names, key=P.order_key)[:2] == ["Hà Nội", "Cà Mau"]
    assert [unicodedata.normalize("NFC", n) for n in sorted(names, key=P.order_key)[2:]] == ["Ấp Y", "Bình Z",
                                                                                             "Đặc khu X"]
