"""Model cards: ``skseal.card`` (the Rust code behind ``skseal card``)."""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _native
from ._trust import normalize_trusted

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class Card:
    """A model card.

    Attributes:
        html: a self-contained HTML page (inline CSS and SVG, no external assets).
        markdown: a Markdown card with Hugging Face Hub metadata front matter.
        summary: the facts and numbers shown on the card (identity, probe,
            security verdict, importances, evaluation), as a dict.
    """

    html: str
    markdown: str
    summary: dict[str, Any] = field(default_factory=dict)

    def _repr_html_(self) -> str:
        """Show the page in Jupyter."""
        return self.html


def card(
    model: PathLike,
    data: Any = None,
    target: str | int | None = None,
    output: PathLike | None = None,
    markdown: PathLike | None = None,
    trusted: Any = None,
    delimiter: str | None = None,
    no_header: bool = False,
) -> Card:
    """Make a model card for a ``.skseal`` (or pickle/joblib) file.

    The file is read with the checks of :func:`skseal.load` and computed on
    natively (no estimator is rebuilt in Python and nothing from the file
    runs). See docs/CARD.md.

    Args:
        model: path of the model file.
        data: labelled data to evaluate on: a CSV file (read as ``skseal
            predict`` reads it), or a pandas DataFrame (written to a temporary
            CSV file). Needs ``target``.
        target: the column of ``data`` holding the true values: its name, or
            with ``no_header=True`` its number (from 0).
        output: where to write the HTML page (optional).
        markdown: where to write the Markdown card (optional).
        trusted: names to trust beyond the default allow-list, as in
            :func:`skseal.load`.
        delimiter: the field separator of a CSV ``data`` file (one character
            or ``"tab"``; default: tab for a ``.tsv`` file, else a comma), as
            ``skseal predict --delimiter``.
        no_header: the CSV ``data`` file has no header row: its columns are
            numbered from 0 and given the model's feature names in order, as
            ``skseal predict --no-header`` does.

    Returns:
        The :class:`Card` (HTML, Markdown and a summary dict).

    Warns:
        UserWarning: ``data`` names its columns but the model was fitted
            without feature names, so they are used by position (as
            ``skseal predict`` warns); also in ``summary["warnings"]``.

    Raises:
        ValueError: ``data`` without ``target`` (or the reverse), or data the
            model cannot be evaluated on (a header made only of numbers is
            refused: it is a first data row; pass ``no_header=True``).
        skseal.errors.SkSealError: the model file does not pass the checks.
    """
    if (data is None) != (target is None):
        raise ValueError("data and target go together: pass both or neither")
    names = normalize_trusted(trusted)
    tmp: str | None = None
    try:
        data_path: str | None = None
        data_name: str | None = None
        if data is not None:
            if hasattr(data, "to_csv"):
                data_name = f"a DataFrame of {len(data)} rows"
                fd, tmp = tempfile.mkstemp(suffix=".csv", prefix="skseal-card-")
                os.close(fd)
                data.to_csv(tmp, index=False)
                data_path = tmp
                delimiter = None
                no_header = False
            else:
                data_path = os.fspath(data)
        html, md, summary = _native.card(
            os.fspath(model), data_path, str(target) if target is not None else None,
            names, None, data_name, delimiter, no_header,
        )
    finally:
        if tmp is not None:
            os.unlink(tmp)
    if output is not None:
        Path(output).write_text(html, encoding="utf-8")
    if markdown is not None:
        Path(markdown).write_text(md, encoding="utf-8")
    facts = json.loads(summary)
    for w in facts.get("warnings", []):
        warnings.warn(w, UserWarning, stacklevel=2)
    return Card(html=html, markdown=md, summary=facts)
