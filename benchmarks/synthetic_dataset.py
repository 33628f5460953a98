"""A complete dataset folder at k times the shipped data (illustrative numbers, not data).

:func:`write_scaled_dataset` copies the shipped dataset folder and makes
every commodity ``k`` times: copy 0 keeps the shipped name and numbers, copy
``j`` of ``cobalt`` is ``cobalt~j``. The tables keyed by commodity whose keys
allow it are copied with the commodity renamed:

* ``minerals/commodities.csv``: names marked ``(synthetic copy j)``;
* ``minerals/trade.parquet``: quantities, contained metal and values scaled
  by a seeded factor in [0.5, 1.5] per row (14.8 million rows at 100x);
* ``minerals/production.csv`` and ``minerals/feed_trade.csv``: quantities
  scaled by a seeded factor per row (gross and contained by the same one);
* ``minerals/processing_shares.csv``: copied as they are (shares).

Every copied row cites ``SYNTHETIC_SOURCE`` in its ``source`` column (and
production rows are ``estimated``), so the numbers say in the data that they
are illustrative; the folder's ``SYNTHETIC.txt`` says how it was made. The
other files are the shipped ones, so every schema and cross-file rule of
:func:`scrisk.data.load.load_dataset` passes. The same ``k`` and ``seed``
give the same files.

Used by ``benchmarks/bench_load.py --scales``. Run on its own::

    python benchmarks/synthetic_dataset.py OUT_DIR --scale 10 [--seed 0]

Examples
--------
>>> import tempfile
>>> from scrisk.data.load import load_dataset
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = write_scaled_dataset(tmp, 2, seed=0)
...     ds = load_dataset(folder)
...     len(ds.commodities_list), "cobalt~1" in ds.commodities_list
(54, True)
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SYNTHETIC_SOURCE = ("scrisk synthetic benchmark data (illustrative, not data): a shipped row "
                    "copied and scaled by a seeded factor")
FACTOR_LOW, FACTOR_HIGH = 0.5, 1.5


def copy_name(commodity: str, j: int) -> str:
    """Slug of copy ``j`` of a commodity (copy 0 is the commodity itself)."""
    return commodity if j == 0 else f"{commodity}~{j}"


def _factor(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.uniform(FACTOR_LOW, FACTOR_HIGH, size=n)


def _number_text(values: np.ndarray) -> list[str]:
    return ["" if np.isnan(v) else repr(float(v)) for v in values]


def _scaled_csv(table: pd.DataFrame, k: int, rng: np.random.Generator,
                scaled: tuple[str, ...], edit=None) -> pd.DataFrame:
    """``table`` (text) then its copies 1..k-1, renamed, with ``scaled`` columns x factor."""
    parts = [table]
    for j in range(1, k):
        part = table.copy()
        part["commodity"] = [copy_name(c, j) for c in table["commodity"]]
        factor = _factor(rng, len(part))
        for column in scaled:
            values = pd.to_numeric(part[column].str.replace(",", "", regex=False),
                                   errors="coerce").to_numpy(dtype=float)
            part[column] = _number_text(values * factor)
        part["source"] = SYNTHETIC_SOURCE
        if edit is not None:
            edit(part, j)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _read_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")


def _write_trade(source: Path, target: Path, k: int, rng: np.random.Generator) -> int:
    """The shipped trade then k-1 renamed, scaled copies, one row group per copy."""
    shipped = pq.read_table(source)
    schema = shipped.schema
    commodity = pc.dictionary_encode(shipped["commodity"]).combine_chunks()
    names = commodity.dictionary.to_pylist()
    numeric = ("quantity_t", "quantity_t_reported", "value_kusd", "contained_t")
    n = shipped.num_rows
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        writer.write_table(shipped)
        for j in range(1, k):
            factor = _factor(rng, n)
            columns = {}
            for field in schema:
                column = shipped[field.name]
                if field.name == "commodity":
                    renamed = pa.array([copy_name(c, j) for c in names], type=pa.string())
                    column = pa.DictionaryArray.from_arrays(commodity.indices, renamed) \
                        .cast(field.type)
                elif field.name in numeric:
                    column = pa.array(column.to_numpy(zero_copy_only=False) * factor,
                                      type=field.type)
                elif field.name == "source":
                    column = pa.array(np.full(n, SYNTHETIC_SOURCE, dtype=object), type=field.type)
                columns[field.name] = column
            writer.write_table(pa.table(columns, schema=schema))
    return n * k


def write_scaled_dataset(out: str | Path, k: int, seed: int = 0,
                         base: str | Path | None = None) -> Path:
    """Write the dataset at ``k`` times the shipped data into ``out/data-{k}x``.

    Parameters
    ----------
    out : path-like
        Folder to write into (made if missing).
    k : int
        Copies of every commodity (1 copies the shipped data as it is).
    seed : int
        Seed of ``numpy.random.PCG64`` for the per-row factors.
    base : path-like, optional
        Dataset to scale (default: the shipped one).

    Returns
    -------
    pathlib.Path
        The dataset folder, ready for ``load_dataset``.
    """
    from scrisk.data.load import shipped_data_path

    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    source = Path(base) if base is not None else shipped_data_path()
    folder = Path(out) / f"data-{k}x"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(source, folder)
    rng = np.random.Generator(np.random.PCG64(seed))
    minerals = folder / "minerals"

    com = _read_text(source / "minerals" / "commodities.csv")
    copies = [com]
    for j in range(1, k):
        part = com.copy()
        part["commodity"] = [copy_name(c, j) for c in com["commodity"]]
        part["name_en"] = part["name_en"] + f" (synthetic copy {j})"
        part["name_ja"] = part["name_ja"] + f"（合成コピー{j}）"
        part["source"] = SYNTHETIC_SOURCE
        copies.append(part)
    pd.concat(copies, ignore_index=True).to_csv(minerals / "commodities.csv", index=False)

    def estimated(part: pd.DataFrame, _j: int) -> None:
        if "data_quality" in part:
            part["data_quality"] = "estimated"

    def feed_estimated(part: pd.DataFrame, _j: int) -> None:
        part["quality"] = "estimated"

    tables = {"production.csv": (("quantity",), estimated),
              "feed_trade.csv": (("contained_t", "gross_t"), feed_estimated),
              "processing_shares.csv": ((), None)}
    for name, (scaled, edit) in tables.items():
        frame = _read_text(source / "minerals" / name)
        _scaled_csv(frame, k, rng, scaled, edit).to_csv(minerals / name, index=False)
    _write_trade(source / "minerals" / "trade.parquet", minerals / "trade.parquet", k, rng)
    (folder / "SYNTHETIC.txt").write_text(
        f"Synthetic benchmark dataset: the shipped data with every commodity copied {k} times "
        f"(seed {seed}); copies named commodity~j, quantities scaled by a seeded factor in "
        f"[{FACTOR_LOW}, {FACTOR_HIGH}] per row. Illustrative numbers, not data. Made by "
        "benchmarks/synthetic_dataset.py.\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write_scaled_dataset(args.out, args.scale, args.seed))


if __name__ == "__main__":
    main()
