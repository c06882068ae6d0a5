"""The one error type the mnist package raises for bad data, files, models and options."""

__all__ = ["DataError"]


class DataError(Exception):
    """A problem with a data file, model file, download or option, in one line naming it.

    The CLI prints ``str(error)`` and exits non-zero; no traceback is shown.
    """
