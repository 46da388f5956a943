"""Editing a user's workbook without damaging it: the OOXML package edited in place.

Why not openpyxl: its load/save round trip rebuilds the whole package from its object model and
loses what it does not model — images (without Pillow), shapes, text boxes, form controls, OLE
objects, customXml, rich data, every cached formula value — and ``insert_cols`` moves cells but
no reference. With lxml installed it also writes differently (``<v></v>``).

Design: the output package is the input package with only the parts the edit needs rewritten.

* :mod:`.package` reads the zip (part names case-insensitive, ``\\`` read as ``/``, the zip
  directory checked against size limits before anything is inflated; a DTD/ENTITY in a part,
  Strict OOXML and broken zips are refused with a Vietnamese message) and writes the output:
  every member the edit did not change is copied with its bytes, name, date and order.
* Parts are edited as text, never parsed into a tree and re-serialised: regular expressions find
  start tags and the few element texts we change, and only those attribute values/texts are
  replaced. Namespace prefixes, ``mc:Ignorable`` declarations, extension lists and unknown
  elements stay as written, and the result is the same with or without lxml (neither
  openpyxl nor lxml is imported by the engine).
* :mod:`.refs` is a formula tokenizer (string literals, quoted sheet names, external and
  structured references, function names that look like cells) with the shifts Excel makes when
  columns are inserted, and the translation that expands shared formulas.
* :mod:`.sheet` keeps a worksheet's ``<sheetData>`` as rows of cells (only cells that exist:
  bounded by content, not by the declared dimension); untouched rows keep their XML.
* :mod:`.shift` moves the references outside cells: merged cells, validations, conditional
  formats (incl. x14 extensions), hyperlinks, autofilters, selections, ``<cols>`` widths,
  drawing/control anchors, VML comment and control anchors, comments, tables, pivot sources,
  chart series and defined names (print areas/titles).
* :mod:`.workbook` ties it together: :meth:`WorkbookEditor.insert_columns` rewrites every part
  whose references the insertion moves (all worksheets naming the sheet, workbook.xml, charts,
  pivot caches, the sheet's drawings/comments/VML/tables/control properties) and drops
  calcChain.xml (Excel rebuilds it); :meth:`WorkbookEditor.recompute_dependents` gives formulas
  that read a changed cell their exact new cached value with :func:`nscl_xl.formula.evaluate`
  (Decimal), or sets ``fullCalcOnLoad`` and reports which formula could not be computed; the
  marker property ``nscl_xl_kind`` is written into docProps/custom.xml (created if absent,
  other properties kept); an ``.xlsx`` output of an ``.xlsm`` input drops the VBA project, its
  relationships and content types and takes the ``.xlsx`` workbook content type.
* :mod:`.styles` appends derived cell formats (fill for annotations, the table's font for the
  words line); existing format indices never move.
* :mod:`.annotate` writes ``verify --annotate``: fills and notes on flagged cells (comments and
  their VML, merged into existing ones) and the "Kiểm tra" sheet.
"""

from .budget import insert_year_columns
from .package import EditError
from .workbook import WorkbookEditor

__all__ = ["EditError", "WorkbookEditor", "insert_year_columns"]
