"""The toolkit inside Excel (xlwings): buttons acting on a live book, the add-in build inputs
(``macros/``), its installation for a clerk, and the wheel xlwings Lite installs.

``import nscl_xl.excel as x; x.kiem_tra()`` is what the VBA buttons run (macros/NSCL.bas):
the parameterless entry points stay importable from here.

* :mod:`.live` — a live book as the budget model; status-bar progress;
* :mod:`.marks` — Kiểm tra's marks, remembered and taken back on the next click;
* :mod:`.buttons` — the buttons and their RunPython entry points;
* :mod:`.install` — ``nscl-xl install-addin`` (XLSTART and the interpreter setting);
* :mod:`.lite` — the wheel and requirements.txt for xlwings Lite.
"""


from .buttons import (COLORS, bang_chu, consolidate_folder, dien_nam, fill_book, kiem_tra, tong_hop,  # noqa: F401
                      verify_book, words_book)
from .live import CHECK_SHEET, MARKS_SHEET, TITLE, book_model, book_plan, sheet_grid  # noqa: F401

