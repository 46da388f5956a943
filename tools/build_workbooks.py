"""Build the provincial workbooks in ``workbooks/`` from the seed documents' printed tables.

Every number is typed exactly as printed, inconsistencies included: these files are the
test data the verifier must catch. Run ``python tools/build_workbooks.py`` after editing;
the output is deterministic (fixed document properties and zip timestamps), so git shows
real changes only.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "workbooks"
sys.path.insert(0, str(ROOT))
from nscl_xl.build_excel import repack, write_template  # noqa: E402
FONT = "Times New Roman"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FIXED_TIME = dt.datetime(2026, 11, 21, 0, 0, 0)


def _style_box(ws, first_row, last_row, ncols):
    for r in range(first_row, last_row + 1):
        for c in range(1, ncols + 1):
            cell = ws.cell(r, c)
            cell.border = BOX
            cell.alignment = Alignment(wrap_text=True, vertical="center",
                                       horizontal="left" if c == 2 else "center")
            if cell.font is None or not cell.font.bold:
                cell.font = Font(name=FONT, size=12, bold=cell.font.bold if cell.font else False)


def _title(ws, row, text, ncols, bold=True, italic=False, size=13):
    ws.cell(row, 1, text).font = Font(name=FONT, size=size, bold=bold, italic=italic)
    ws.cell(row, 1).alignment = Alignment(horizontal="center", wrap_text=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)


def _metadata_sheet(wb, pairs):
    ws = wb.create_sheet("Thông tin")
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 90
    ws.cell(1, 1, "THÔNG TIN KẾ HOẠCH").font = Font(name=FONT, size=13, bold=True)
    for i, (k, v) in enumerate(pairs, start=3):
        ws.cell(i, 1, k).font = Font(name=FONT, size=12, bold=True)
        cell = ws.cell(i, 2, v)
        cell.font = Font(name=FONT, size=12)
        cell.alignment = Alignment(wrap_text=True, horizontal="left")
        if isinstance(v, int):
            cell.number_format = "#,##0"
    return ws


def _fixed_modified(core: bytes) -> bytes:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", core)


def _save(wb, name):
    wb.properties.creator = "nscl-xl"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    path = OUT / name
    path.parent.mkdir(parents=True, exist_ok=True)
    stage = path.with_suffix(".stage.xlsx")
    wb.save(stage)
    # openpyxl stamps the zip entries and dcterms:modified with the current time
    repack(stage, path, edits={"docProps/core.xml": _fixed_modified})
    stage.unlink()
    print("wrote", path.relative_to(ROOT))


# --- Sóc Trăng 2021–2025 and 2026–2030 (seed 001), triệu đồng ----------------------------------

SOC_TRANG_I = [
    # code, item, unit, qty, price, total, years 2021..2025
    ("1", "Hoạt động chung", None, None, None, 305, [35, 60, 60, 60, 90]),
    ("1.1", "Chi Họp Hội đồng xét chọn, Hội đồng nghiệm thu", "Cuộc", 10, 10, 100, [20, 20, 20, 20, 20]),
    ("1.2", "Hội nghị sơ kết Kế hoạch thực hiện Chương trình", "Cuộc", 1, 30, 30, [0, 0, 0, 0, 30]),
    ("1.3", "Kiểm tra, giám sát, tham dự hội nghị, hội thảo, tham quan học tập kinh nghiệm, vận động doanh "
            "nghiệp tham gia Chương trình...", "Năm", 9, 10, 90, [10, 20, 20, 20, 20]),
    ("1.4", "Vật tư văn phòng, trang thiết bị phương tiện, vật tư…", "Năm", None, None, 45, [5, 10, 10, 10, 10]),
    ("1.5", "Tôn vinh, khen thưởng tập thể, cá nhân có thành tích cao trong hoạt động nâng cao năng suất "
            "chất lượng.", "Năm", 5, None, 40, [0, 10, 10, 10, 10]),
    ("2", "Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn về các nội dung có liên quan đến năng "
          "suất, chất lượng; tiêu chuẩn và quy chuẩn kỹ thuật, hệ thống quản lý, công cụ cải tiến năng suất "
          "chất lượng, công cụ hỗ trợ cho sản xuất thông minh, dịch vụ thông minhvăn bản quy phạm pháp luật; "
          "Giải thưởng Chất lượng Quốc gia; truy xuất nguồn gốc...", "Cuộc", 8, 70, 280, [0, 70, 70, 70, 70]),
    ("2.1", "Hội thảo, Hội nghị", "Cuộc", 4, 30, 120, [0, 30, 30, 30, 30]),
    ("2.2", "Đào tạo, tập huấn", "Cuộc", 4, 40, 160, [0, 40, 40, 40, 40]),
    ("3", "Đào tạo nguồn nhân lực cho hoạt động nâng cao năng suất chất lượng", "Cuộc", None, None, 220,
     [20, 140, 20, 20, 20]),
    ("3.1", "Đào tạo chuyên gia năng suất chất lượng", "Cuộc", 1, 120, 120, [0, 120, 0, 0, 0]),
    ("3.2", "Tham dự tập huấn, đào tạo, bồi dưỡng kiến thức, kỹ năng về năng suất chất lượng, tiêu chuẩn, "
            "quy chuẩn kỹ thuật, hệ thống quản lý, công cụ cải tiến năng suất chất lượng, công cụ hỗ trợ cho "
            "sản xuất thông minh, dịch vụ thông minh, tham gia các chương trình đào tạo của Tổ chức Năng suất "
            "Châu Á và các tổ chức tiêu chuẩn quốc tế khu vực,…", "Năm", 5, 20, 100, [20, 20, 20, 20, 20]),
    ("4", "Tính mức độ đóng góp của năng suất các nhân tố tổng hợp (TFP) trong tốc độ tăng trưởng kinh tế "
          "của tỉnh giai đoạn 2021 - 2025", None, None, None, 120, [0, 0, 0, 0, 120]),
    ("5", "Hỗ trợ doanh nghiệp", None, None, None, 5405, [806, 1191, 1191, 1191, 1006]),
    ("5.1", "Hỗ trợ doanh nghiệp trong việc xây dựng Tiêu chuẩn cơ sở; công bố, chứng nhận phù hợp Tiêu "
            "chuẩn quốc gia hoặc Tiêu chuẩn quốc tế, Quy chuẩn kỹ thuật quốc gia tương ứng, Quy chuẩn kỹ "
            "thuật địa phương; tự công bố/ đăng ký bản công bố sản phẩm theo quy định.", "Lượt", 75, 18, 1350,
     [126, 306, 306, 306, 306]),
    ("5.2", "Hỗ trợ doanh nghiệp trong việc việc tư vấn xây dựng, áp dụng, chứng nhận hệ thống quản lý "
            "tiên tiến, công cụ cải tiến năng suất cơ bản; hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa, "
            "áp dụng thực hành nông nghiệp tốt (G.A.P), thực hành sản xuất nông nghiệp hữu cơ, năng suất "
            "xanh,...", "Lượt", 40, 85, 3400, [680, 680, 680, 680, 680]),
    ("5.3", "Hỗ trợ doanh nghiệp trong việc tư vấn xây dựng, áp dụng, chứng nhận, nâng cấp phòng thử "
            "nghiệm theo ISO/IEC 17025, phòng thí nghiệm chuyên ngành xây dựng.", "Lượt", 3, 185, 555,
     [0, 185, 185, 185, 0]),
    ("5.4", "Hỗ trợ doanh nghiệp tham gia hoạt động GTCLQG", "Năm", 5, 20, 80, [20, 20, 20, 20, 20]),
    ("6", "Chi khác", "Năm", 5, 10, 40, [0, 10, 10, 10, 10]),
]
SOC_TRANG_I_TOTAL = (6370, [881, 1471, 1351, 1351, 1316])

SOC_TRANG_II = [
    ("1", "Hoạt động chung của Kế hoạch", None, None, None, 385, [55, 70, 70, 70, 120]),
    ("1.1", "Chi Họp Hội đồng xét chọn, Hội đồng nghiệm thu", "Cuộc", 10, 10, 100, [20, 20, 20, 20, 20]),
    ("1.2", "Hội nghị tổng kết Chương trình", "Cuộc", 1, 50, 50, [0, 0, 0, 0, 50]),
    ("1.3", "Kiểm tra, giám sát, tham dự hội nghị, hội thảo, tham quan học tập kinh nghiệm, vận động doanh "
            "nghiệp tham gia Chương trình,...", "Năm", 9, 15, 135, [15, 30, 30, 30, 30]),
    ("1.4", "Vật tư văn phòng, trang thiết bị phương tiện, vật tư,…", "Năm", 5, 10, 50, [10, 10, 10, 10, 10]),
    ("1.5", "Tôn vinh, khen thưởng tập thể, cá nhân có thành tích cao trong hoạt động nâng cao năng suất "
            "chất lượng.", "Năm", 5, 10, 50, [10, 10, 10, 10, 10]),
    ("2", "Tổ chức Hội thảo, Hội nghị và các khóa đào tạo, tập huấn về các nội dung có liên quan đến năng "
          "suất, chất lượng; tiêu chuẩn và quy chuẩn kỹ thuật, hệ thống quản lý, công cụ cải tiến năng suất "
          "chất lượng, công cụ hỗ trợ cho sản xuất thông minh, dịch vụ thông minhvăn bản quy phạm pháp luật; "
          "Giải thưởng Chất lượng Quốc gia; truy xuất nguồn gốc,...", "Cuộc", 10, 90, 460, [90, 140, 140, 90, 0]),
    ("2.1", "Hội thảo, Hội nghị", "Cuộc", 4, 40, 160, [40, 40, 40, 40, 0]),
    ("2.2", "Đào tạo, tập huấn", "Cuộc", 6, 50, 300, [50, 100, 100, 50, 0]),
    ("3", "Đào tạo nguồn nhân lực cho hoạt động nâng cao năng suất chất lượng", None, None, None, 270,
     [30, 150, 30, 30, 30]),
    ("3.1", "Đào tạo chuyên gia năng suất chất lượng", "Cuộc", 1, 120, 120, [0, 120, 0, 0, 0]),
    ("3.2", "Tham dự tập huấn, đào tạo, bồi dưỡng kiến thức, kỹ năng về năng suất chất lượng, tiêu chuẩn, "
            "quy chuẩn kỹ thuật, hệ thống quản lý, công cụ cải tiến năng suất chất lượng, công cụ hỗ trợ cho "
            "sản xuất thông minh, dịch vụ thông minh, tham gia các chương trình đào tạo của Tổ chức Năng suất "
            "Châu Á và các tổ chức tiêu chuẩn quốc tế khu vực,…", "Năm", 5, 30, 150, [30, 30, 30, 30, 30]),
    ("4", "Tính mức độ đóng góp của năng suất các nhân tố tổng hợp (TFP) trong tốc độ tăng trưởng kinh tế "
          "của tỉnh giai đoạn 2021 - 2025", "Cuộc", 1, 150, 150, [0, 0, 0, 0, 150]),
    ("5", "Hỗ trợ doanh nghiệp", None, None, None, 7070, [1490, 1490, 1490, 1300, 1300]),
    ("5.1", "Hỗ trợ doanh nghiệp trong việc xây dựng Tiêu chuẩn cơ sở; công bố, chứng nhận phù hợp Tiêu "
            "chuẩn quốc gia hoặc Tiêu chuẩn quốc tế, Quy chuẩn kỹ thuật quốc gia tương ứng, Quy chuẩn kỹ "
            "thuật địa phương; tự công bố/ đăng ký bản công bố sản phẩm theo quy định.", "Lượt", 95, 20, 1900,
     [380, 380, 380, 380, 380]),
    ("5.2", "Hỗ trợ doanh nghiệp trong việc việc tư vấn xây dựng, áp dụng, chứng nhận hệ thống quản lý "
            "tiên tiến, công cụ cải tiến năng suất cơ bản; hệ thống truy xuất nguồn gốc sản phẩm, hàng hóa, "
            "áp dụng thực hành nông nghiệp tốt (G.A.P), thực hành sản xuất nông nghiệp hữu cơ, năng suất "
            "xanh,...", "Lượt", 50, 90, 4500, [900, 900, 900, 900, 900]),
    ("5.3", "Hỗ trợ doanh nghiệp trong việc tư vấn xây dựng, áp dụng, chứng nhận, nâng cấp phòng thử "
            "nghiệm theo ISO/IEC 17025, phòng thí nghiệm chuyên ngành xây dựng.", "Lượt", 3, 190, 570,
     [190, 190, 190, 0, 0]),
    ("5.4", "Hỗ trợ doanh nghiệp tham gia hoạt động GTCLQG", "Năm", 5, 20, 100, [20, 20, 20, 20, 20]),
    ("6", "Chi khác", "Năm", 5, 10, 50, [10, 10, 10, 10, 10]),
]
SOC_TRANG_II_TOTAL = (8385, [1675, 1860, 1740, 1500, 1610])


def _period_sheet(wb, name, label, period_text, years, rows, total):
    ws = wb.create_sheet(name)
    ncols = 6 + len(years)
    widths = [6, 60, 8, 8, 8, 10] + [9] * len(years)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    _title(ws, 1, label, ncols)
    _title(ws, 2, f"DỰ TOÁN KINH PHÍ TRIỂN KHAI KẾ HOẠCH GIAI ĐOẠN {period_text}", ncols)
    _title(ws, 3, "(Kèm theo Kế hoạch số         /KH-UBND ngày      /8/2021 của Ủy ban nhân dân tỉnh Sóc Trăng)",
           ncols, bold=False, italic=True, size=12)
    unit = ws.cell(5, ncols - 2, "Đơn vị tính: Triệu đồng")
    unit.font = Font(name=FONT, size=12, italic=True)
    h1, h2 = 6, 7
    heads = ["TT", "Nội dung", "Đơn vị", "Số lượng", "Đơn giá", "Tổng kinh phí"]
    for c, text in enumerate(heads, start=1):
        ws.cell(h1, c, text).font = Font(name=FONT, size=12, bold=True)
        ws.merge_cells(start_row=h1, start_column=c, end_row=h2, end_column=c)
    ws.cell(h1, 7, "Dự toán kinh phí").font = Font(name=FONT, size=12, bold=True)
    ws.merge_cells(start_row=h1, start_column=7, end_row=h1, end_column=ncols)
    for i, y in enumerate(years):
        ws.cell(h2, 7 + i, y).font = Font(name=FONT, size=12, bold=True)
    r = h2 + 1
    for code, item, unit_name, qty, price, tot, ys in rows:
        values = [code, item, unit_name, qty, price, tot] + ys
        for c, v in enumerate(values, start=1):
            ws.cell(r, c, v)
        if "." not in code:
            for c in range(1, ncols + 1):
                ws.cell(r, c).font = Font(name=FONT, size=12, bold=True)
        r += 1
    ws.cell(r, 2, "Tổng cộng")
    ws.cell(r, 6, total[0])
    for i, v in enumerate(total[1]):
        ws.cell(r, 7 + i, v)
    for c in range(1, ncols + 1):
        ws.cell(r, c).font = Font(name=FONT, size=12, bold=True)
    _style_box(ws, h1, r, ncols)
    for row in ws.iter_rows(min_row=h2 + 1, max_row=r, min_col=4, max_col=ncols):
        for cell in row:
            cell.number_format = "#,##0"
    ws.freeze_panes = f"{get_column_letter(3)}{h2 + 1}"
    ws.print_title_rows = f"{h1}:{h2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    return ws


def build_soc_trang():
    wb = Workbook()
    wb.remove(wb.active)
    _period_sheet(wb, "Phụ lục I", "Phụ lục I", "2021 - 2025", list(range(2021, 2026)), SOC_TRANG_I, SOC_TRANG_I_TOTAL)
    _period_sheet(wb, "Phụ lục II", "Phụ lục II", "2026 - 2030", list(range(2026, 2031)), SOC_TRANG_II,
                  SOC_TRANG_II_TOTAL)
    _metadata_sheet(wb, [
        ("Tỉnh", "Sóc Trăng"),
        ("Tên kế hoạch", "Kế hoạch thực hiện Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất "
                         "lượng sản phẩm, hàng hóa trên địa bàn tỉnh Sóc Trăng giai đoạn 2021 – 2025 và định hướng "
                         "đến năm 2030"),
        ("Loại kế hoạch", "Giai đoạn"),
        ("Giai đoạn", "2021 - 2030"),
        ("Số kế hoạch", "      /KH-UBND (văn bản không ghi số)"),
        ("Ngày ban hành", "      /8/2021 (ký số ngày 13/8/2021)"),
        ("Đơn vị tính", "Triệu đồng"),
        ("Tổng kinh phí (triệu đồng)", 14755),
        ("Tổng kinh phí giai đoạn 2021 - 2025 (triệu đồng)", 6370),
        ("Tổng kinh phí giai đoạn 2026 - 2030 (triệu đồng)", 8385),
        ("Căn cứ", "Quyết định số 1322/QĐ-TTg ngày 31/8/2020 của Thủ tướng Chính phủ"),
        ("Nguồn số liệu", "Phụ lục I và Phụ lục II của Kế hoạch (tài liệu gốc 001)"),
    ])
    _save(wb, "soc_trang_2021_2030.xlsx")


# --- Kiên Giang 2024 (seed 000), đồng ---------------------------------------------------------

KG2024 = [
    # code, item, agency, timing, amount, agency_span, timing_span
    ("I", "TUYÊN TRUYỀN, ĐÀO TẠO VỀ CÁC HOẠT ĐỘNG NĂNG SUẤT VÀ CHẤT LƯỢNG CỦA ĐỊA PHƯƠNG", None, None, 211820000),
    ("1", "Tổ chức Hội nghị tuyên truyền, tập huấn kiến thức, chia sẻ kinh nghiệm cho các tổ chức, doanh nghiệp "
          "về các giải pháp nâng cao năng suất chất lượng; hệ thống quản lý, công cụ cải tiến năng suất,…",
     "Sở Khoa học và Công nghệ, Đơn vị đào tạo", "Quý II-Quý IV", None),
    ("2", "Đào tạo công chức, đội ngũ quản lý triển khai thực hiện Chương trình năng suất chất lượng của tỉnh về "
          "tiêu chuẩn, quy chuẩn, hệ thống quản lý, công cụ; kiến thức và kỷ năng đáp ứng yêu cầu đào tạo đối với "
          "chuyên gia năng suất (theo tiêu chuẩn TCVN 13751:2023 hoặc APO-PS 101) nhằm có đủ năng lực triển khai, "
          "theo dỏi, đánh giá việc thực hiện các dự án cải tiến năng suất của doanh nghiệp",
     None, "Quý I-Quý IV", None),
    ("II", "CÔNG TÁC QUẢN LÝ, HOẠT ĐỘNG CHUNG, THỰC HIỆN NHIỆM VỤ KHOA HỌC VÀ CÔNG NGHỆ THUỘC CHƯƠNG TRÌNH",
     None, None, 2416180000),
    ("1", "Xác định nhiệm vụ đặt hàng; tuyển chọn, giao trực tiếp thực hiện nhiệm vụ khoa học và công nghệ",
     None, None, None),
    ("1.1", "Họp Hội đồng tư vấn xác định nhiệm vụ khoa học và công nghệ",
     "Sở Khoa học và Công nghệ, Hội đồng khoa học; Tổ thẩm định kinh phí", "Quý I-Quý IV", None),
    ("1.2", "Họp Hội đồng tư vấn tuyển chọn, giao trực tiếp thực hiện nhiệm vụ khoa học và công nghệ",
     None, None, None),
    ("1.3", "Họp Tổ thẩm định kinh phí thực hiện nhiệm vụ khoa học và công nghệ", None, None, None),
    ("1.4", "Họp Hội đồng tư vấn đánh giá nghiệm thu chính thức nhiệm vụ khoa học và công nghệ", None, None, None),
    ("2", "Nghiên cứu đề xuất, hoàn thiện cơ chế, chính sách, các giải pháp về khoa học, công nghệ và đổi mới "
          "sáng tạo thúc đẩy, nâng cao năng suất địa phương và doanh nghiệp; Xây dựng Kế hoạch nâng cao năng suất "
          "dựa trên nền tảng khoa học, công nghệ và đổi mới sáng tạo tỉnh Kiên Giang giai đoạn 2025 – 2030",
     "Sở Khoa học và Công nghệ; đơn vị tư vấn", "Quý II-Quý IV", None),
    ("3", "Hỗ trợ doanh nghiệp áp dụng tiêu chuẩn, quy chuẩn kỹ thuật, hệ thống quản lý, công cụ cải tiến năng "
          "suất, chất lượng, công cụ hỗ trợ cho sản xuất thông minh, dịch vụ thông minh (Triển khai thực hiện các "
          "nhiệm vụ khoa học và công nghệ được phê duyệt tại Quyết định số 3063/QĐ-UBND)",
     "Sở Khoa học và Công nghệ, Đơn vị tư vấn, các doanh nghiệp", "Quý I-Quý IV", None),
    ("4", "Kiểm tra, đánh giá tình hình thực hiện các nhiệm vụ khoa học và công nghệ.",
     "Sở Khoa học và Công nghệ", "Quý I-Quý IV", None),
    ("5", "Chi phí khác: Tham dự hội nghị, hội thảo, học tập kinh nghiệm; văn phòng phẩm, thông tin liên lạc, "
          "cước phí công văn…", "Sở Khoa học và Công nghệ", "Quý I-Quý IV", None),
]


def build_kien_giang_2024():
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ncols = 6
    for i, w in enumerate([6, 62, 22, 12, 18, 10], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    _title(ws, 1, "Phụ lục", ncols)
    _title(ws, 2, "DỰ TRÙ KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH QUỐC GIA HỖ TRỢ DOANH NGHIỆP NÂNG CAO NĂNG SUẤT VÀ "
                  "CHẤT LƯỢNG SẢN PHẨM, HÀNG HÓA TRÊN ĐỊA BÀN TỈNH KIÊN GIANG NĂM 2024", ncols)
    _title(ws, 3, "(Ban hành kèm theo Kế hoạch số:         /KH-UBND ngày       /      /2024 của Ủy ban nhân dân "
                  "tỉnh Kiên Giang)", ncols, bold=False, italic=True, size=12)
    h = 5
    for c, text in enumerate(["TT", "Nội dung công việc", "Cơ quan thực hiện", "Thời gian thực hiện",
                              "Kinh phí thực hiện (đồng)", "Ghi chú"], start=1):
        ws.cell(h, c, text).font = Font(name=FONT, size=12, bold=True)
    r = h + 1
    for code, item, agency, timing, amount in KG2024:
        for c, v in enumerate([code, item, agency, timing, amount], start=1):
            ws.cell(r, c, v)
        if code in ("I", "II"):
            ws.merge_cells(start_row=r, start_column=2, end_row=r, end_column=4)
            for c in range(1, ncols + 1):
                ws.cell(r, c).font = Font(name=FONT, size=12, bold=True)
        r += 1
    # The printed appendix merges the agency/timing cells over the rows they serve.
    ws.merge_cells("C7:C8")
    ws.merge_cells("C11:C14")
    ws.merge_cells("D11:D14")
    total_row = r
    ws.cell(r, 1, "TỔNG CỘNG")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    ws.cell(r, 5, 2628000000)
    for c in range(1, ncols + 1):
        ws.cell(r, c).font = Font(name=FONT, size=12, bold=True)
    _style_box(ws, h, total_row, ncols)
    for row in ws.iter_rows(min_row=h + 1, max_row=total_row, min_col=5, max_col=5):
        for cell in row:
            cell.number_format = "#,##0"
    words = ws.cell(total_row + 1, 1, "(Bằng chữ: Hai tỷ, sáu trăm hai mươi tám triệu đồng chẵn)")
    words.font = Font(name=FONT, size=12, italic=True)
    ws.merge_cells(start_row=total_row + 1, start_column=1, end_row=total_row + 1, end_column=ncols)
    ws.freeze_panes = f"{get_column_letter(3)}{h + 1}"
    ws.print_title_rows = f"{h}:{h}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    _metadata_sheet(wb, [
        ("Tỉnh", "Kiên Giang"),
        ("Tên kế hoạch", "Kế hoạch thực hiện Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất "
                         "lượng sản phẩm, hàng hóa trên địa bàn tỉnh Kiên Giang năm 2024"),
        ("Loại kế hoạch", "Hằng năm"),
        ("Năm", "2024"),
        ("Số kế hoạch", "      /KH-UBND (phụ lục không ghi số)"),
        ("Ngày ban hành", "      /      /2024"),
        ("Đơn vị tính", "Đồng"),
        ("Tổng kinh phí (đồng)", 2628000000),
        ("Bằng chữ", "Hai tỷ, sáu trăm hai mươi tám triệu đồng"),
        ("Căn cứ", "Quyết định số 1322/QĐ-TTg ngày 31/8/2020; Kế hoạch số 50/KH-UBND ngày 22/02/2023"),
        ("Nguồn số liệu", "Phụ lục dự trù kinh phí của Kế hoạch (tài liệu gốc 000)"),
    ])
    _save(wb, "kien_giang_2024.xlsx")


# --- Kiên Giang 2021 (seed 002), nghìn đồng ---------------------------------------------------

SCDN = "Sở Khoa học và Công nghệ"
KG2021 = [
    # code, item, agency, result, unit price, quantity, amount, note, italic
    ("I", "CƠ QUAN THƯỜNG TRỰC THỰC HIỆN CÔNG TÁC", None, None, None, None, 200000, None, False),
    ("1", "Công tác thông tin, tuyên truyền về năng suất và chất lượng", None, None, None, None, 30000, None, True),
    ("1.1", "Tổ chức Hội nghị phổ biến, tuyên truyền", SCDN, "Thông tin, tuyên truyền về năng suất, chất lượng",
     30000, 1, 30000, None, False),
    ("2", "Đào tạo nguồn nhân lực cho hoạt động nâng cao năng suất và chất lượng", None, None, None, None, 125000,
     None, True),
    ("2.1", "Tổ chức khóa đào tạo, tập huấn về sản xuất tinh gọn, hệ thống quản lý, công cụ cải tiến năng suất và "
            "chất lượng cho doanh nghiệp, tổ chức...", SCDN + ", Đơn vị đào tạo",
     "Đào tạo đội ngũ quản lý cho doanh nghiệp có năng lực", 50000, 2, 100000, None, False),
    ("2.2", "Đào tạo công chức, đội ngũ quản lý tại các cơ quan kiến thức về tiêu chuẩn, quy chuẩn, hệ thống quản "
            "lý, giải pháp nâng cao năng suất và chất lượng, phương pháp triển khai các hoạt động về năng suất và "
            "chất lượng của địa phương", SCDN + ", Đơn vị đào tạo",
     "Có khả năng hỗ trợ, đánh giá, kiểm tra hiệu quả việc thực hiện tại doanh nghiệp", 12500, 2, 25000, None, False),
    ("3", "Tổ chức Hội đồng xét duyệt doanh nghiệp tham gia, nghiệm thu dự án cải tiến năng suất và chất lượng",
     SCDN, "Chọn lựa doanh nghiệp thực hiện và nghiệm thu dự án", 9500, 2, 19000, None, True),
    ("4", "Các chi phí khác (tham dự hội nghị, hội thảo, kiểm tra việc thực hiện tại doanh nghiệp, văn phòng "
          "phẩm...)", SCDN, None, 6500, 4, 26000, None, False),
    ("II", "HỖ TRỢ DOANH NGHIỆP THỰC HIỆN CÁC GIẢI PHÁP NÂNG CAO NĂNG SUẤT CHẤT LƯỢNG", None, None, None, None,
     2900000, None, False),
    ("1", "Theo Đề án Hỗ trợ doanh nghiệp nhỏ và vừa (Kế hoạch số 178/KH-UBND)", None, None, None, None, 2600000,
     None, True),
    ("1.1", "Chi phí thực hiện Dự án cải tiến năng suất và chất lượng", "Doanh nghiệp",
     "Dự án cải tiến năng suất và chất lượng của doanh nghiệp được nghiệm thu", 200000, 10, 2000000,
     "Theo khoản 1, Mục 1 của Kế hoạch số 178/KH-UBND", False),
    ("1.2", "Hỗ trợ 100% giá trị hợp đồng tư vấn để doanh nghiệp xây dựng tiêu chuẩn cơ sở", None, None, None,
     None, 300000, "Theo Khoản 2, Mục 2 và khoản 4, Mục 3 của Kế hoạch số 178/KH-UBND", False),
    ("-", "Đối với sản phẩm, hàng hóa đã có tiêu chuẩn quốc gia", "Doanh nghiệp", "Tiêu chuẩn cơ sở", 5000, 20,
     100000, None, True),
    ("-", "Đối với sản phẩm, hàng hóa chưa có tiêu chuẩn quốc gia", "Doanh nghiệp", "Tiêu chuẩn cơ sở", 10000, 20,
     200000, None, True),
    ("1.3", "50% phí thử nghiệm về chất lượng hàng hóa tại hệ thống thử nghiệm thuộc cơ quan quản lý nhà nước",
     "Doanh nghiệp", "Thử nghiệm sản phẩm", 10000, 30, 300000,
     "Theo khoản 2, Mục 2 và khoản 5, Mục 3 của Kế hoạch số 178/KH-UBND", False),
    ("2", "Tư vấn xây dựng, hướng dẫn áp dụng hệ thống quản lý", "Doanh nghiệp", "Giấy chứng nhận", 50000, 3,
     150000, None, True),
    ("3", "Chứng nhận sản phẩm, hàng hóa phù hợp tiêu chuẩn, quy chuẩn kỹ thuật quốc gia hoặc quốc tế",
     "Doanh nghiệp", "Giấy chứng nhận", 15000, 4, 60000, None, True),
    ("4", "Hỗ trợ doanh nghiệp đạt Giải thưởng Chất lượng Quốc gia", None, None, None, None, 90000, None, True),
    ("4.1", "Đạt Giải thưởng Chất lượng Quốc gia", "Doanh nghiệp", "Quyết định của Thủ tướng Chính phủ", 20000, 2,
     40000, None, False),
    ("4.2", "Đạt Giải vàng Chất lượng Quốc gia", "Doanh nghiệp", "Quyết định của Thủ tướng Chính phủ", 50000, 1,
     50000, None, False),
]


def build_kien_giang_2021():
    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ncols = 8
    for i, w in enumerate([6, 55, 22, 26, 11, 9, 13, 24], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    _title(ws, 1, "Phụ lục", ncols)
    _title(ws, 2, "DỰ TRÙ KINH PHÍ THỰC HIỆN CHƯƠNG TRÌNH QUỐC GIA HỖ TRỢ DOANH NGHIỆP NÂNG CAO NĂNG SUẤT VÀ CHẤT "
                  "LƯỢNG SẢN PHẨM, HÀNG HÓA TRÊN ĐỊA BÀN TỈNH KIÊN GIANG NĂM 2021", ncols)
    _title(ws, 3, "(Ban hành kèm theo Kế hoạch số: 116 /KH-UBND ngày 07 /6/2021 của Ủy ban nhân dân tỉnh Kiên "
                  "Giang)", ncols, bold=False, italic=True, size=12)
    h1, h2 = 5, 6
    for c, text in zip([1, 2, 3, 4, 8], ["TT", "Nhiệm vụ", "Đơn vị chủ trì", "Kết quả", "Ghi chú"]):
        ws.cell(h1, c, text).font = Font(name=FONT, size=12, bold=True)
        ws.merge_cells(start_row=h1, start_column=c, end_row=h2, end_column=c)
    ws.cell(h1, 5, "Kinh phí (nghìn đồng)").font = Font(name=FONT, size=12, bold=True)
    ws.merge_cells(start_row=h1, start_column=5, end_row=h1, end_column=7)
    for c, text in zip([5, 6, 7], ["Đơn giá", "Số lượng", "Thành tiền"]):
        ws.cell(h2, c, text).font = Font(name=FONT, size=12, bold=True)
    r = h2 + 1
    for code, item, agency, result, price, qty, amount, note, italic in KG2021:
        for c, v in enumerate([code, item, agency, result, price, qty, amount, note], start=1):
            ws.cell(r, c, v)
        bold = code in ("I", "II")
        for c in range(1, ncols + 1):
            ws.cell(r, c).font = Font(name=FONT, size=12, bold=bold, italic=italic and c == 2)
        ws.cell(r, 6).number_format = "00"  # quantities print as 01, 02 in the plan
        r += 1
    total_row = r
    ws.cell(r, 1, "TỔNG CỘNG")
    ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=4)
    ws.cell(r, 7, 3100000)
    for c in range(1, ncols + 1):
        ws.cell(r, c).font = Font(name=FONT, size=12, bold=True)
    _style_box(ws, h1, total_row, ncols)
    for row in ws.iter_rows(min_row=h2 + 1, max_row=total_row, min_col=5, max_col=7):
        for cell in row:
            if cell.column != 6:
                cell.number_format = "#,##0"
    ws.freeze_panes = f"{get_column_letter(3)}{h2 + 1}"
    ws.print_title_rows = f"{h1}:{h2}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    _metadata_sheet(wb, [
        ("Tỉnh", "Kiên Giang"),
        ("Tên kế hoạch", "Kế hoạch thực hiện Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất "
                         "lượng sản phẩm, hàng hóa trên địa bàn tỉnh Kiên Giang năm 2021"),
        ("Loại kế hoạch", "Hằng năm"),
        ("Năm", "2021"),
        ("Số kế hoạch", "116/KH-UBND"),
        ("Ngày ban hành", "07/6/2021"),
        ("Đơn vị tính", "Nghìn đồng"),
        ("Tổng kinh phí (đồng)", 3100000000),
        ("Bằng chữ", "Ba tỷ, một trăm triệu đồng"),
        ("Căn cứ", "Quyết định số 1322/QĐ-TTg ngày 31/8/2020; Kế hoạch số 71/KH-UBND ngày 08/4/2021; Kế hoạch số "
                   "178/KH-UBND ngày 13/11/2020"),
        ("Nguồn số liệu", "Phụ lục dự trù kinh phí của Kế hoạch số 116/KH-UBND (tài liệu gốc 002)"),
    ])
    _save(wb, "kien_giang_2021.xlsx")


# --- An Giang (seed 003) and Đồng Tháp (seed 004): targets and stated totals, no table -------------

def _targets_sheet(wb, rows):
    ws = wb.create_sheet("Mục tiêu")
    for i, w in enumerate([70, 14, 16, 16, 50], start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for c, text in enumerate(["Chỉ tiêu", "Giai đoạn", "Giá trị", "Đơn vị", "Ghi chú"], start=1):
        ws.cell(1, c, text).font = Font(name=FONT, size=12, bold=True)
    for r, row in enumerate(rows, start=2):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v).font = Font(name=FONT, size=12)
    _style_box(ws, 1, len(rows) + 1, 5)
    ws.freeze_panes = "A2"


def build_an_giang():
    wb = Workbook()
    wb.remove(wb.active)
    _metadata_sheet(wb, [
        ("Tỉnh", "An Giang"),
        ("Tên kế hoạch", "Kế hoạch nâng cao năng suất dựa trên nền tảng khoa học, công nghệ và đổi mới sáng tạo tỉnh "
                         "An Giang giai đoạn 2022 - 2025 và định hướng đến năm 2030"),
        ("Loại kế hoạch", "Giai đoạn"),
        ("Giai đoạn", "2022 - 2030"),
        ("Ghi chú giai đoạn", "Tiêu đề ghi giai đoạn 2022 - 2025, phần mở đầu ghi 2023 - 2025; cả hai định hướng "
                              "đến năm 2030"),
        ("Tổng kinh phí (đồng)", 5800000000),
        ("Bằng chữ", "Năm tỷ, tám trăm triệu đồng"),
        ("Căn cứ", "Quyết định số 36/QĐ-TTg ngày 11/01/2021 của Thủ tướng Chính phủ"),
        ("Nguồn số liệu", "Mục III. Dự toán kinh phí và nguồn kinh phí (tài liệu gốc 003); kế hoạch không có bảng "
                          "dự toán chi tiết"),
    ])
    _targets_sheet(wb, [
        ("Năng suất lao động tăng bình quân", "2022 - 2025", "khoảng 7", "%/năm", None),
        ("Năng suất các nhân tố tổng hợp (TFP) đóng góp vào tăng trưởng GRDP", "2022 - 2025", "45", "%", None),
        ("Mô hình điểm về cải tiến năng suất", "2022 - 2025", "ít nhất 05", "mô hình",
         "Ưu tiên lúa gạo, chế biến nông sản, thủy sản, cơ khí, dệt may"),
        ("Doanh nghiệp được hỗ trợ áp dụng mô hình cải tiến năng suất", "2022 - 2025", "ít nhất 05", "doanh nghiệp",
         None),
        ("Trường đại học/cơ sở giáo dục nghề nghiệp tham gia đào tạo về năng suất", "2022 - 2025", "ít nhất 01",
         "trường", None),
        ("Chuyên gia năng suất chất lượng đạt tiêu chuẩn quốc gia hoặc quốc tế", "2022 - 2025", "ít nhất 05",
         "chuyên gia", None),
        ("Đào tạo cán bộ, công chức, viên chức", "2022 - 2025", "50", "lượt", None),
        ("Đào tạo cán bộ lãnh đạo, quản lý và người lao động doanh nghiệp", "2022 - 2025", "100", "lượt", None),
        ("Năng suất lao động tăng bình quân", "2026 - 2030", "trên 7,5", "%/năm", None),
        ("Năng suất các nhân tố tổng hợp (TFP) đóng góp vào tăng trưởng GRDP", "2026 - 2030", "50", "%", None),
        ("Mô hình điểm về cải tiến năng suất", "2026 - 2030", "ít nhất 10", "mô hình", None),
        ("Doanh nghiệp được hỗ trợ áp dụng mô hình cải tiến năng suất", "2026 - 2030", "ít nhất 10", "doanh nghiệp",
         None),
        ("Trường đại học/cơ sở giáo dục nghề nghiệp triển khai chương trình đào tạo năng suất", "2026 - 2030", "01",
         "trường", None),
        ("Chuyên gia năng suất chất lượng đạt tiêu chuẩn quốc gia hoặc quốc tế", "2026 - 2030", "ít nhất 10",
         "chuyên gia", None),
    ])
    _save(wb, "an_giang_2022_2030.xlsx")


def build_dong_thap():
    wb = Workbook()
    wb.remove(wb.active)
    _metadata_sheet(wb, [
        ("Tỉnh", "Đồng Tháp"),
        ("Tên kế hoạch", "Kế hoạch thực hiện Chương trình quốc gia hỗ trợ doanh nghiệp nâng cao năng suất và chất "
                         "lượng sản phẩm, hàng hóa trên địa bàn tỉnh Đồng Tháp giai đoạn 2021 - 2025 và định hướng "
                         "đến năm 2030"),
        ("Loại kế hoạch", "Giai đoạn"),
        ("Giai đoạn", "2021 - 2030"),
        ("Số kế hoạch", "      /KH-UBND (dự thảo, chưa ghi số)"),
        ("Ngày ban hành", "      /      /2021"),
        ("Ghi chú kinh phí", "Kế hoạch không nêu số tiền: kinh phí từ ngân sách nhà nước (sự nghiệp KHCN) và nguồn "
                             "huy động hợp pháp khác"),
        ("Căn cứ", "Quyết định số 1322/QĐ-TTg ngày 31/8/2020; Công văn số 334/BKHCN-TĐC ngày 23/02/2021"),
        ("Nguồn số liệu", "Mục 2.1.2 Mục tiêu cụ thể (tài liệu gốc 004)"),
    ])
    base = [
        ("Lớp đào tạo, tập huấn về năng suất chất lượng, hệ thống quản lý, công cụ cải tiến", 10, "lớp", "tối thiểu"),
        ("Chuyên gia năng suất chất lượng được đào tạo", 20, "chuyên gia", "khoảng"),
        ("Tổ chức, doanh nghiệp được tập huấn, hướng dẫn mỗi năm", 100, "tổ chức, doanh nghiệp/năm", "khoảng"),
        ("Doanh nghiệp được hỗ trợ xây dựng, áp dụng hệ thống quản lý, công cụ cải tiến", 15, "doanh nghiệp",
         "ít nhất"),
        ("Lĩnh vực kiểm định, hiệu chuẩn, thử nghiệm mở rộng thêm", 3, "lĩnh vực", "ít nhất"),
        ("Doanh nghiệp tham gia Giải thưởng Chất lượng Quốc gia", 10, "doanh nghiệp", "ít nhất"),
        ("Doanh nghiệp đạt giải vàng Giải thưởng Chất lượng Quốc gia", 3, "doanh nghiệp", "ít nhất"),
    ]
    rows = [(t, "2021 - 2025", f"{q} {v:02d}" if v < 10 else f"{q} {v}", u, None) for t, v, u, q in base]
    for t, v, u, _ in base:
        lo, hi = v * 110 / 100, v * 115 / 100
        fmt = lambda x: (f"{x:g}").replace(".", ",")  # noqa: E731 - Vietnamese decimal comma
        rows.append((t, "2026 - 2030", f"{fmt(lo)} - {fmt(hi)}", u,
                     "Tăng khoảng 10% - 15% so với giai đoạn 2021 - 2025 (tính từ mục tiêu 2021 - 2025)"))
    _targets_sheet(wb, rows)
    _save(wb, "dong_thap_2021_2030.xlsx")


# --- blank template ----------------------------------------------------------------------------

def build_template():
    # The same layout as the macro-enabled template of `nscl-xl build-excel`, without VBA.
    path = OUT / "mau" / "mau_du_toan_giai_doan.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path)
    print("wrote", path.relative_to(ROOT))


def main() -> int:
    build_soc_trang()
    build_kien_giang_2024()
    build_kien_giang_2021()
    build_an_giang()
    build_dong_thap()
    build_template()
    return 0


if __name__ == "__main__":
    sys.exit(main())
