"""The ``SitingError`` family: every error a user can cause, located and explained.

Each error names *where* (file, row, field) and *what was expected*, so that the CLI
can print one clear line and exit with code 2 instead of a traceback from deep inside
a library.
"""

from __future__ import annotations

from dataclasses import dataclass


class SitingError(Exception):
    """Base class of every user-facing error raised by siting."""

    exit_code: int = 2


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, a 1-based data row (header excluded) and a field."""

    file: str | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts) if parts else "<input>"


class InputError(SitingError, ValueError):
    """Malformed input data: a file, a row or a field that is wrong.

    It is also a ``ValueError``, so that ``except ValueError`` (as in spopt-style code)
    still catches it.

    Parameters
    ----------
    message : str
        What is wrong.
    file, row, field : optional
        Where: the file (or section), the 1-based data row (header excluded), the column or key.
    expected : str, optional
        What was expected, in the user's words.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.location = Location(file=file, row=row, field=field)
        self.expected = expected
        self.message = message
        text = f"{self.location}: {message}"
        if expected:
            text += f" (expected {expected})"
        super().__init__(text)


    def located(self, file: str) -> InputError:
        """The same error, naming ``file`` when it named no file (or only a section name).

        Parameters
        ----------
        file : str
            The file to name.

        Returns
        -------
        InputError
            ``self`` when it already names a file, else a copy that names ``file``.
        """
        if self.location.file and self.location.file not in ("standard", "catalogue_overrides"):
            return self
        field = self.location.field
        if self.location.file in ("standard", "catalogue_overrides") and field and not field.startswith(
                ("standard", "catalogue")):
            field = f"{self.location.file}.{field}" if self.location.file != "standard" else field
        return type(self)(self.message, file=file, row=self.location.row, field=field, expected=self.expected)


class ScenarioError(InputError):
    """A scenario file (or override) that is wrong: unknown key, bad value, missing file."""


class CatalogueError(InputError):
    """A service catalogue or standard preset that is wrong or inconsistent."""


class ModelError(SitingError):
    """The model cannot be built from a (validated) instance, e.g. an empty index set."""


class SolverError(SitingError):
    """A solver backend failed or is unavailable (not: the model is infeasible)."""


class MemoryLimitError(SitingError):
    """The estimated peak memory of a solve exceeds the limit the user set (``--max-memory-gb``)."""


class OutputError(SitingError):
    """An output folder or file cannot be written (exists, not empty, no permission)."""


class SitingWarning(UserWarning):
    """A data problem siting worked around and names (a point far from any street, a dropped line)."""
