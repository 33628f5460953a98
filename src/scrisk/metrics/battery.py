"""Battery material needs: GWh x chemistry mix x kg/kWh, and coverage by secured supply.

theoretical tonnes of material m = GWh x 1,000 x sum over chemistries c of share_c x
kg_per_kwh(c, m) (1 GWh = 10^6 kWh and 1 kg/kWh x 10^6 kWh = 1,000 t): the material that
ends up in the cells (``battery_intensity.csv``).

calibrated tonnes = theoretical x yield_factor(m), with
yield_factor = process_factor / (1 - scrap_share) from ``battery_yield.csv``: the
material bought for those cells, counting cell-making scrap, synthesis losses and
uses outside the active material (lithium in the electrolyte). The factors are
chosen so that 600 GWh with the ``nickel_rich`` mix reproduces the material needs of
METI's Battery Industry Strategy (2022) within :data:`CALIBRATION_TOLERANCE`.
"""

from __future__ import annotations

import pandas as pd

from scrisk.data.load import Dataset
from scrisk.exceptions import UnknownChoiceError
from scrisk.metrics.self_sufficiency import secured_shares
from scrisk.network import LI_PER_LCE

# Which material of the intensity table each supplier commodity provides.
MATERIAL_OF_COMMODITY = {
    "lithium": "lithium_lce",
    "nickel": "nickel",
    "cobalt": "cobalt",
    "manganese": "manganese",
    "graphite": "graphite",
}
TONNES_PER_GWH_PER_KG_PER_KWH = 1_000.0
BASES = ("calibrated", "theoretical")
DEFAULT_BASIS = "calibrated"
# Largest relative difference between the calibrated 600 GWh needs (nickel_rich mix) and
# METI's figures (policy_targets.csv, metric battery_material_need) that the tests accept.
CALIBRATION_TOLERANCE = 0.10
CALIBRATION_GWH = 600.0
CALIBRATION_SCENARIO = "nickel_rich"


def yield_factors(dataset: Dataset) -> pd.Series:
    """Material -> factor from cell content to material bought (1 where none is given).

    ``factor = process_factor / (1 - scrap_share)`` (``battery_yield.csv``).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> f = yield_factors(load_dataset())
    >>> round(float(f["graphite"]), 4)  # 1.07 / (1 - 0.05)
    1.1263
    """
    table = dataset.battery_yield if "battery_yield" in dataset else pd.DataFrame(
        columns=["material", "scrap_share", "process_factor"])
    factor = table["process_factor"].astype(float) / (1.0 - table["scrap_share"].astype(float))
    return pd.Series(factor.to_numpy(), index=table["material"].to_numpy(), name="yield_factor",
                     dtype=float)


def chemistry_mix(dataset: Dataset, scenario: str) -> pd.Series:
    """Chemistry shares of a scenario in ``battery_scenarios.csv``."""
    mixes = dataset.battery_scenarios
    rows = mixes.loc[mixes["scenario"] == scenario]
    if rows.empty:
        raise UnknownChoiceError("battery scenario", scenario, mixes["scenario"].unique())
    return rows.set_index("chemistry")["share"]


def battery_needs(dataset: Dataset, gwh: float = 150.0, scenario: str | None = None,
                  mix: pd.Series | None = None, basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """Tonnes of each material needed per year to make ``gwh`` of cells.

    Parameters
    ----------
    dataset : Dataset
    gwh : float
        Annual cell production in GWh (must be >= 0).
    scenario : str, optional
        Chemistry-mix scenario name from ``battery_scenarios.csv``.
    mix : pandas.Series, optional
        Chemistry -> share, instead of a named scenario (shares must sum to 1).
    basis : {"calibrated", "theoretical"}
        ``calibrated`` (default): material bought, with the yield and loss
        factors of ``battery_yield.csv``; ``theoretical``: the minimum in
        the cells (``battery_intensity.csv`` alone).

    Returns
    -------
    pandas.DataFrame
        ``material, tonnes`` plus one column per chemistry with its part
        (both on ``basis``) and ``yield_factor`` (1 for ``theoretical``).
        ``lithium`` (t Li) is always ``lithium_lce`` (t LCE) x
        :data:`scrisk.network.LI_PER_LCE`, with the same yield factor (the
        table's own ``lithium`` rows serve only when it has no LCE rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from scrisk import load_dataset
    >>> need = battery_needs(load_dataset(), 1.0, mix=pd.Series({"LFP": 1.0}))
    >>> bool((need["tonnes"] >= 0).all())
    True
    >>> t = need.set_index("material")["tonnes"]
    >>> round(float(t["lithium"] / t["lithium_lce"]), 5)  # t Li per t LCE
    0.18786
    >>> ds = load_dataset()
    >>> cal = battery_needs(ds, 600, "nickel_rich").set_index("material")["tonnes"]
    >>> theo = battery_needs(ds, 600, "nickel_rich", basis="theoretical")
    >>> round(float(cal["lithium_lce"] / theo.set_index("material")["tonnes"]["lithium_lce"]), 4)
    1.2211
    """
    if basis not in BASES:
        raise UnknownChoiceError("battery needs basis", basis, BASES)
    if gwh < 0:
        raise ValueError(f"gwh must be >= 0, got {gwh}")
    if mix is None:
        if scenario is None:
            raise ValueError("give a scenario name or a chemistry mix")
        mix = chemistry_mix(dataset, scenario)
    if abs(float(mix.sum()) - 1.0) > 1e-6:
        raise ValueError(f"chemistry shares must sum to 1, got {float(mix.sum()):.6g}")
    intensity = _intensity(dataset)
    unknown = sorted(set(mix.index) - set(intensity.columns))
    if unknown:
        raise UnknownChoiceError("chemistry", unknown[0], intensity.columns)
    parts = intensity[list(mix.index)] * mix.to_numpy() * gwh * TONNES_PER_GWH_PER_KG_PER_KWH
    factor = pd.Series(1.0, index=parts.index)
    if basis == "calibrated":
        factor = yield_factors(dataset).reindex(parts.index).fillna(1.0)
        if "lithium_lce" in factor.index:
            factor["lithium"] = factor["lithium_lce"]  # the same lithium, in Li metal
    parts = parts.mul(factor, axis=0)
    table = parts.copy()
    table.insert(0, "tonnes", parts.sum(axis=1))
    table["yield_factor"] = factor
    table = table.reset_index().rename_axis(columns=None)
    return table.sort_values("material", ignore_index=True)


def _intensity(dataset: Dataset) -> pd.DataFrame:
    """Material x chemistry kg/kWh of ``battery_intensity.csv``, with both lithium rows.

    Built once per dataset (a dataset is not changed after load): demand paths ask
    for the needs of every year's mix.
    """
    cache = dataset.__dict__
    if "_battery_intensity" not in cache:
        intensity = dataset.battery_intensity.pivot_table(
            index="material", columns="chemistry", values="kg_per_kwh", aggfunc="sum",
            fill_value=0.0)
        # one lithium need in two units that can never disagree: LCE (the unit of the
        # calibration and of every target) and contained Li = LCE x LI_PER_LCE; a table of
        # Li rows only gets its LCE from them
        if "lithium_lce" in intensity.index:
            intensity.loc["lithium"] = intensity.loc["lithium_lce"] * LI_PER_LCE
        elif "lithium" in intensity.index:
            intensity.loc["lithium_lce"] = intensity.loc["lithium"] / LI_PER_LCE
        cache["_battery_intensity"] = intensity
    return cache["_battery_intensity"].copy()


def battery_coverage(dataset: Dataset, gwh: float = 150.0, scenario: str | None = None,
                     iso3: str = "JPN", mix: pd.Series | None = None,
                     basis: str = DEFAULT_BASIS) -> pd.DataFrame:
    """Needs of ``gwh`` of cells against the supply secured by ``iso3``'s companies.

    Secured supply counts operating mines and refineries (refinery output is
    used where a country's companies hold refineries but no mines of the
    material, to avoid counting the same metal twice).

    ``basis`` is that of :func:`battery_needs` (default calibrated).

    Returns
    -------
    pandas.DataFrame
        ``material, need_t, secured_t, coverage`` (secured / need, may exceed 1).
    """
    need = battery_needs(dataset, gwh, scenario, mix, basis)[["material", "tonnes"]]
    need = need.rename(columns={"tonnes": "need_t"})
    held = secured_shares(dataset, iso3)
    held = held.loc[held["status"] == "operating"]
    held = held.loc[held["commodity"].isin(list(MATERIAL_OF_COMMODITY))]
    by_stage = held.groupby(["commodity", "stage"])["secured_t"].sum().unstack(fill_value=0.0)
    mining = by_stage.get("mining", pd.Series(0.0, index=by_stage.index))
    refining = by_stage.get("refining", pd.Series(0.0, index=by_stage.index))
    secured = mining.where(mining > 0, refining)
    secured.index = secured.index.map(MATERIAL_OF_COMMODITY)
    need["secured_t"] = need["material"].map(secured).fillna(0.0).astype(float)
    need["coverage"] = need["secured_t"] / need["need_t"].where(need["need_t"] > 0)
    return need.loc[need["material"].isin(list(MATERIAL_OF_COMMODITY.values()))].reset_index(
        drop=True)


def calibration_check(dataset: Dataset, iso3: str = "JPN", gwh: float = CALIBRATION_GWH,
                      scenario: str = CALIBRATION_SCENARIO) -> pd.DataFrame:
    """Calibrated and theoretical needs beside the government's figures (``battery_material_need``).

    Returns
    -------
    pandas.DataFrame
        ``material, official_t, theoretical_t, calibrated_t, theoretical_diff,
        calibrated_diff`` (relative differences to the official figure) and
        ``within_tolerance`` (``|calibrated_diff| <= CALIBRATION_TOLERANCE``).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> bool(calibration_check(load_dataset())["within_tolerance"].all())
    True
    """
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == "battery_material_need")]
    official = {row.target_id.removeprefix("battery_material_need_"): float(row.value)
                for row in rows.itertuples(index=False)}
    official = {("lithium_lce" if k == "lithium" else k): v for k, v in official.items()}
    theo = battery_needs(dataset, gwh, scenario, basis="theoretical").set_index("material")
    cal = battery_needs(dataset, gwh, scenario).set_index("material")
    out = pd.DataFrame({"material": list(official), "official_t": list(official.values())})
    out["theoretical_t"] = out["material"].map(theo["tonnes"]).astype(float)
    out["calibrated_t"] = out["material"].map(cal["tonnes"]).astype(float)
    out["theoretical_diff"] = out["theoretical_t"] / out["official_t"] - 1.0
    out["calibrated_diff"] = out["calibrated_t"] / out["official_t"] - 1.0
    out["within_tolerance"] = out["calibrated_diff"].abs() <= CALIBRATION_TOLERANCE
    return out
