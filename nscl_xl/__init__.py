"""nscl-xl: fill, verify, write in words and consolidate NSCL plan budgets kept in Excel.

The library API (also what the CLI and the Excel buttons call)::

    from nscl_xl import read_plan, verify_plan, amount_to_words, words_to_amount, read_frame

Heavy modules (pandas, openpyxl, xlwings) are imported lazily by the functions that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__", "read_plan", "verify_plan", "verify_path", "amount_to_words", "words_to_amount", "read_frame"]


def __getattr__(name):  # lazy re-exports keep `import nscl_xl` (and CLI start-up) light
    if name == "read_plan":
        from .reader import read_plan
        return read_plan
    if name in ("verify_plan", "verify_path"):
        from . import verify
        return getattr(verify, name)
    if name == "read_frame":
        from .frame import read_frame
        return read_frame
    if name in ("amount_to_words", "words_to_amount"):
        from . import words
        return getattr(words, name)
    raise AttributeError(name)
