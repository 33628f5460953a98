"""Japanese names of facilities and companies (``suppliers/names_ja.csv``).

The table is kept apart from ``facilities.csv`` and ``ownership.csv`` so that
the names can be added or corrected without touching the dated facility rows.
Columns: ``kind`` (``facility`` or ``company``), ``key`` (``facility_id`` or the
owner name as written in ``ownership.csv``), ``name_ja``, ``source``, ``note``.
A user's data folder may hold its own ``suppliers/names_ja.csv``; its rows
replace the shipped ones with the same kind and key.

Examples
--------
>>> names = japanese_names()
>>> names["facility"]["CU-JPN-NAOSHIMA"]
'直島製錬所'
>>> names["company"]["Sumitomo Metal Mining"]
'住友金属鉱山'
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FILE = Path("suppliers") / "names_ja.csv"
KINDS = ("facility", "company")


def japanese_names(dataset=None) -> dict[str, dict[str, str]]:
    """Japanese names by kind and key: ``{"facility": {id: name}, "company": {owner: name}}``.

    Parameters
    ----------
    dataset : Dataset, optional
        Reads the shipped table, then the one in ``dataset.overlay`` if present.

    Raises
    ------
    ValueError
        For a row with an unknown kind or an empty key or name (file, row, value named).
    """
    from scrisk.data.load import shipped_data_path

    folders = [shipped_data_path()]
    if dataset is not None:
        for folder in (getattr(dataset, "path", None), getattr(dataset, "overlay", None)):
            if folder is not None and Path(folder) not in folders:
                folders.append(Path(folder))
    out: dict[str, dict[str, str]] = {k: {} for k in KINDS}
    for folder in folders:
        path = Path(folder) / FILE
        if not path.is_file():
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for row, (kind, key, name) in enumerate(zip(table["kind"], table["key"],
                                                    table["name_ja"], strict=True), start=2):
            if kind not in KINDS or not key.strip() or not name.strip():
                raise ValueError(f"{path}, row {row}: kind must be one of {', '.join(KINDS)} "
                                 f"with a key and a name_ja, got {kind!r}, {key!r}, {name!r}")
            out[kind][key.strip()] = name.strip()
    return out
