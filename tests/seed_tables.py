"""The seed documents' budget tables as printed, typed again independently of
``tools/build_workbooks.py`` so that a slip in either shows up as a failing test.

Each line: (code, quantity, unit price, amount, {year: amount}); None where the seed prints
nothing. Units: Sóc Trăng triệu đồng, Kiên Giang 2021 nghìn đồng, Kiên Giang 2024 đồng.
"""

Y1 = range(2021, 2026)
Y2 = range(2026, 2031)


def _y(years, values):
    return dict(zip(years, values))


SOC_TRANG_I = [
    ("1", None, None, 305, _y(Y1, [35, 60, 60, 60, 90])),
    ("1.1", 10, 10, 100, _y(Y1, [20, 20, 20, 20, 20])),
    ("1.2", 1, 30, 30, _y(Y1, [0, 0, 0, 0, 30])),
    ("1.3", 9, 10, 90, _y(Y1, [10, 20, 20, 20, 20])),
    ("1.4", None, None, 45, _y(Y1, [5, 10, 10, 10, 10])),
    ("1.5", 5, None, 40, _y(Y1, [0, 10, 10, 10, 10])),
    ("2", 8, 70, 280, _y(Y1, [0, 70, 70, 70, 70])),
    ("2.1", 4, 30, 120, _y(Y1, [0, 30, 30, 30, 30])),
    ("2.2", 4, 40, 160, _y(Y1, [0, 40, 40, 40, 40])),
    ("3", None, None, 220, _y(Y1, [20, 140, 20, 20, 20])),
    ("3.1", 1, 120, 120, _y(Y1, [0, 120, 0, 0, 0])),
    ("3.2", 5, 20, 100, _y(Y1, [20, 20, 20, 20, 20])),
    ("4", None, None, 120, _y(Y1, [0, 0, 0, 0, 120])),
    ("5", None, None, 5405, _y(Y1, [806, 1191, 1191, 1191, 1006])),
    ("5.1", 75, 18, 1350, _y(Y1, [126, 306, 306, 306, 306])),
    ("5.2", 40, 85, 3400, _y(Y1, [680, 680, 680, 680, 680])),
    ("5.3", 3, 185, 555, _y(Y1, [0, 185, 185, 185, 0])),
    ("5.4", 5, 20, 80, _y(Y1, [20, 20, 20, 20, 20])),
    ("6", 5, 10, 40, _y(Y1, [0, 10, 10, 10, 10])),
]
SOC_TRANG_I_TOTAL = (6370, _y(Y1, [881, 1471, 1351, 1351, 1316]))

SOC_TRANG_II = [
    ("1", None, None, 385, _y(Y2, [55, 70, 70, 70, 120])),
    ("1.1", 10, 10, 100, _y(Y2, [20, 20, 20, 20, 20])),
    ("1.2", 1, 50, 50, _y(Y2, [0, 0, 0, 0, 50])),
    ("1.3", 9, 15, 135, _y(Y2, [15, 30, 30, 30, 30])),
    ("1.4", 5, 10, 50, _y(Y2, [10, 10, 10, 10, 10])),
    ("1.5", 5, 10, 50, _y(Y2, [10, 10, 10, 10, 10])),
    ("2", 10, 90, 460, _y(Y2, [90, 140, 140, 90, 0])),
    ("2.1", 4, 40, 160, _y(Y2, [40, 40, 40, 40, 0])),
    ("2.2", 6, 50, 300, _y(Y2, [50, 100, 100, 50, 0])),
    ("3", None, None, 270, _y(Y2, [30, 150, 30, 30, 30])),
    ("3.1", 1, 120, 120, _y(Y2, [0, 120, 0, 0, 0])),
    ("3.2", 5, 30, 150, _y(Y2, [30, 30, 30, 30, 30])),
    ("4", 1, 150, 150, _y(Y2, [0, 0, 0, 0, 150])),
    ("5", None, None, 7070, _y(Y2, [1490, 1490, 1490, 1300, 1300])),
    ("5.1", 95, 20, 1900, _y(Y2, [380, 380, 380, 380, 380])),
    ("5.2", 50, 90, 4500, _y(Y2, [900, 900, 900, 900, 900])),
    ("5.3", 3, 190, 570, _y(Y2, [190, 190, 190, 0, 0])),
    ("5.4", 5, 20, 100, _y(Y2, [20, 20, 20, 20, 20])),
    ("6", 5, 10, 50, _y(Y2, [10, 10, 10, 10, 10])),
]
SOC_TRANG_II_TOTAL = (8385, _y(Y2, [1675, 1860, 1740, 1500, 1610]))

# Kiên Giang 2021: Đơn giá, Số lượng, Thành tiền in nghìn đồng.
KIEN_GIANG_2021 = [
    ("I", None, None, 200000, {}),
    ("1", None, None, 30000, {}),
    ("1.1", 1, 30000, 30000, {}),
    ("2", None, None, 125000, {}),
    ("2.1", 2, 50000, 100000, {}),
    ("2.2", 2, 12500, 25000, {}),
    ("3", 2, 9500, 19000, {}),
    ("4", 4, 6500, 26000, {}),
    ("II", None, None, 2900000, {}),
    ("1", None, None, 2600000, {}),
    ("1.1", 10, 200000, 2000000, {}),
    ("1.2", None, None, 300000, {}),
    ("-", 20, 5000, 100000, {}),
    ("-", 20, 10000, 200000, {}),
    ("1.3", 30, 10000, 300000, {}),
    ("2", 3, 50000, 150000, {}),
    ("3", 4, 15000, 60000, {}),
    ("4", None, None, 90000, {}),
    ("4.1", 2, 20000, 40000, {}),
    ("4.2", 1, 50000, 50000, {}),
]
KIEN_GIANG_2021_TOTAL = (3100000, {})

# Kiên Giang 2024: amounts in đồng only at section level.
KIEN_GIANG_2024 = [
    ("I", None, None, 211820000, {}),
    ("1", None, None, None, {}),
    ("2", None, None, None, {}),
    ("II", None, None, 2416180000, {}),
    ("1", None, None, None, {}),
    ("1.1", None, None, None, {}),
    ("1.2", None, None, None, {}),
    ("1.3", None, None, None, {}),
    ("1.4", None, None, None, {}),
    ("2", None, None, None, {}),
    ("3", None, None, None, {}),
    ("4", None, None, None, {}),
    ("5", None, None, None, {}),
]
KIEN_GIANG_2024_TOTAL = (2628000000, {})

# parent code of each line, by position (None for top level)
SOC_TRANG_PARENTS = {"1.1": "1", "1.2": "1", "1.3": "1", "1.4": "1", "1.5": "1", "2.1": "2", "2.2": "2",
                     "3.1": "3", "3.2": "3", "5.1": "5", "5.2": "5", "5.3": "5", "5.4": "5"}


def seed_rows(lines, total, *, unit: str, years=(), order=("qty", "price"), item="Nội dung",
              amount="Tổng kinh phí") -> list[list]:
    """The printed table as sheet rows laid out like the seed (title rows, a unit line, a two-row
    header "Dự toán kinh phí" over the years, items from row 8), without merge information:
    an input to the reader that does not come from tools/build_workbooks.py."""
    years = list(years)
    money_heads = {"qty": "Số lượng", "price": "Đơn giá"}
    head = ["TT", item, "Đơn vị"] + [money_heads[k] for k in order] + [amount] + (
        ["Dự toán kinh phí"] + [""] * (len(years) - 1) if years else [])
    sub = [""] * (6) + years
    rows = [["Phụ lục"], ["DỰ TOÁN KINH PHÍ"], [""], [""], ["", "", "", "", "", "", "", "", unit], head,
            sub if years else [""] * 6]
    for code, q, p, a, ys in lines:
        cells = {"qty": q, "price": p}
        rows.append([code, f"mục {code}", ""] + [cells[k] for k in order] + [a] + [ys.get(y) for y in years])
    rows.append(["", "Tổng cộng", "", None, None, total[0]] + [total[1].get(y) for y in years])
    return rows
