"""GeoPolRisk in reference mode equals the reference implementation (geopolrisk-py 2.0.1) to 1e-9.

The fixture was produced by the reference package itself
(scripts/make_geopolrisk_reference.py; recipe and quirks in docs/methods.md).
``governance="reference"`` reads the partner weights as the reference looks
them up in its own bundled table (``data/minerals/governance_reference.csv``,
built from it by scripts/build_data.py), defects included:

- seven economies (Taiwan, Jersey, Liechtenstein, Monaco, Martinique, Puerto
  Rico, Reunion) carry the code 'NA' there, so the reference never finds
  their score and uses the 0.5 of a missing value;
- Guyana's code appears twice and the reference takes the first row
  (French Guiana's values, 2018-2022);
- the Netherlands Antilles hold 0.0 where WGI has no estimate (2018-2022),
  and cells holding the text 'nan' make the result NaN.

The default (``"published"``) uses the WGI data as published. Every fixture
cell of a commodity scrisk holds (25 of the fixture's 53 raw materials; the
others are not in scrisk's data) is compared on all five columns: 1,650
cells of ``geopolrisk_reference.csv`` and the 2,800 cells of
``geopolrisk_reference_shipped.csv`` (16 further importers of the shipped
trade, 2018-2024; ``make_geopolrisk_reference.py --shipped``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from scrisk.data.load import load_dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.metrics.geopolrisk import GeoPolRiskOptions, geopolrisk, geopolrisk_table

FIXTURES = Path(__file__).parent / "fixtures"
IMPORTERS = {"JPN": "JPN", "CHN": "CHN", "USA": "USA", "DEU": "DEU", "KOR": "KOR",
             "IND": "IND", "FRA": "FRA", "EU": "EU", "JPN+KOR": ["JPN", "KOR"],
             "TUN": "TUN", "NZL": "NZL", "TWN": "TWN"}
# scrisk column -> fixture column
COLUMNS = {"hhi": "hhi", "import_risk": "import_risk", "score": "score",
           "characterization_factor": "characterization_factor", "price_usd_per_kg": "price"}
FIXTURE_CELLS = 1650  # 12 importers (9 x 7 years + 3 x 2018) x the 25 commodities scrisk holds
# geopolrisk_reference_shipped.csv: 16 further importers of the shipped trade x 25 x 2018-2024
SHIPPED_IMPORTERS = ["GBR", "CAN", "AUS", "BRA", "NLD", "ESP", "ITA", "MEX", "RUS", "TUR",
                     "HKG", "BEL", "SWE", "ZAF", "CHE", "SGP"]
SHIPPED_CELLS = 2800


@pytest.fixture(scope="module")
def shipped():
    return load_dataset()


def read_reference(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / name, keep_default_na=False, na_values=["nan"])


@pytest.fixture(scope="module")
def compared(shipped):
    ds = shipped
    main = read_reference("geopolrisk_reference.csv")
    more = read_reference("geopolrisk_reference_shipped.csv")
    ref = pd.concat([main, more], ignore_index=True)
    to_scrisk = dict(zip(ds.commodities["gpr_reference_id"], ds.commodities["commodity"],
                         strict=True))
    held = [c for c, codes in zip(ds.commodities["commodity"], ds.commodities["hs_gpr"],
                                  strict=True) if isinstance(codes, str) and codes]
    ref = ref.loc[ref["commodity"].map(to_scrisk).isin(held)].assign(
        commodity=lambda f: f["commodity"].map(to_scrisk))
    labels = [*IMPORTERS, *SHIPPED_IMPORTERS]
    ours = geopolrisk_table(ds, [*IMPORTERS.values(), *SHIPPED_IMPORTERS],
                            sorted(ref["commodity"].unique()), sorted(ref["year"].unique()),
                            governance="reference")
    ours["importer"] = np.tile(labels, len(ours) // len(labels))
    ref = ref.rename(columns={c: f"{c}_ref" for c in COLUMNS.values()})
    return ours.merge(ref, on=["importer", "commodity", "year"], validate="one_to_one")


def test_every_fixture_cell_of_the_shipped_commodities_is_compared(compared):
    assert len(compared) == FIXTURE_CELLS + SHIPPED_CELLS
    assert set(compared["importer"]) == set(IMPORTERS) | set(SHIPPED_IMPORTERS)
    assert compared["commodity"].nunique() == 25
    assert sorted(compared["year"].unique()) == list(range(2018, 2025))


@pytest.mark.parametrize("column", COLUMNS)
def test_reference_mode_matches_to_1e9(compared, column):
    got, want = compared[column], compared[f"{COLUMNS[column]}_ref"]
    assert (got.isna() == want.isna()).all()
    valid = want.notna()
    got, want = got[valid], want[valid]
    rel = ((got - want).abs() / want.abs().clip(lower=1e-300)).where(want != 0,
                                                                       (got - want).abs())
    worst = rel.idxmax()
    assert rel.max() <= 1e-9, compared.loc[worst, ["importer", "commodity", "year", column,
                                                   f"{COLUMNS[column]}_ref"]].to_dict()


def test_published_mode_differs_through_taiwan(shipped):
    # Japan cobalt 2022: Taiwan supplies 4 % and the reference weighs it 0.5 instead of its WGI
    published = geopolrisk(shipped, "JPN", "cobalt", 2022)
    reference = geopolrisk(shipped, "JPN", "cobalt", 2022,
                           options=GeoPolRiskOptions(governance="reference"))
    assert published.hhi == reference.hhi and published.price_usd_per_kg == \
        reference.price_usd_per_kg
    assert reference.score / published.score - 1 == pytest.approx(0.0153, abs=5e-4)
    assert published.notes == () and published.governance_fallback_share == 0.0
    assert reference.governance == "reference"
    assert reference.governance_fallback_share == pytest.approx(0.0403, abs=1e-4)
    assert any("TWN" in note for note in reference.notes)


def test_eu_is_the_union(shipped):
    table = geopolrisk_table(shipped, ["EU", "EU27", "European Union"], ["nickel"], [2023])
    assert table["importer"].tolist() == ["EU27"] * 3
    assert table["score"].nunique() == 1


def test_unknown_governance_source_is_refused():
    with pytest.raises(UnknownChoiceError, match="governance"):
        GeoPolRiskOptions(governance="wgi")
