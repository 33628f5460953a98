"""The battery midstream: precursor, cathode and anode material and cells, traced to the mines.

The element networks (:mod:`scrisk.network`, :mod:`scrisk.origins`) follow one
element each, in contained metal, from the mine to its battery stage
(refined chemicals for Li, Ni, Co and Mn; anode-grade graphite). The
midstream combines several elements in one product, so it sits *on top of*
those networks instead of inside them (``docs/architecture.md``):

* a midstream stage (``precursor``, ``cathode``, ``anode``, ``cell``) has an
  output per country in its own unit (t pCAM, t CAM, t anode, GWh), from
  published shares x a world total (``midstream_shares.csv``); anode
  material is graphite's ``material`` stage, whose IEA quantities
  (``processing_shares.csv``) are used where they are the latest;
* a tonne of product contains ``t_per_t`` tonnes of each element
  (``midstream_content.csv``, from the chemical formula); a GWh of cells
  contains the cathode and anode material of its chemistry mix
  (``battery_intensity.csv``);
* a country's need of a product is met first by its own output, the rest by
  the world market in proportion to other countries' output (no bilateral
  midstream trade is held: this *world-market* assumption is stated in every
  result's notes);
* each supplier country's element comes from its pool of that element at the
  element's battery stage, with that pool's mined origin mix
  (:meth:`scrisk.origins.FlowModel.supply_by_origin`). Where the supplier's
  midstream output needs more of an element than its pool holds, the excess
  is ``untraced:<supplier>``, as in the element networks.

Formulas and a worked example: ``docs/methods.md`` (battery midstream).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from scrisk.data.load import Dataset
from scrisk.data.schemas import MIDSTREAM_STAGES
from scrisk.exceptions import ScriskError, UnknownChoiceError
from scrisk.network import LI_PER_LCE  # t Li in a t of Li2CO3: one constant for the project

AGGREGATE = "ROW"
TONNES_PER_GWH_PER_KG_PER_KWH = 1_000.0
CATHODE_ELEMENTS = ("lithium", "nickel", "cobalt", "manganese")
ANODE_ELEMENTS = ("graphite",)
STAGE_ELEMENTS = {"precursor": ("nickel", "cobalt", "manganese"), "cathode": CATHODE_ELEMENTS,
                  "anode": ANODE_ELEMENTS, "cell": CATHODE_ELEMENTS + ANODE_ELEMENTS}
# battery_needs material -> element commodity
NEED_MATERIAL = {"lithium": "lithium", "nickel": "nickel", "cobalt": "cobalt",
                 "manganese": "manganese", "graphite": "graphite"}
DOMESTIC_TARGET_METRIC = "battery_manufacturing_capacity_domestic"
WORLD_MARKET_NOTE = ("no bilateral trade of midstream products is held: a country's need beyond "
                     "its own output is taken from the world market in proportion to other "
                     "countries' output (world-market assumption)")


def check_stage(stage: str) -> str:
    """The stage if it is a midstream stage, else :class:`UnknownChoiceError`.

    >>> check_stage("cathode")
    'cathode'
    """
    if stage not in MIDSTREAM_STAGES:
        raise UnknownChoiceError("midstream stage", stage, MIDSTREAM_STAGES)
    return stage


# --------------------------------------------------------------------------- shares and output


def _candidates(dataset: Dataset, stage: str, variant: str) -> pd.DataFrame:
    """Every published share table of a stage and variant (graphite's anode rows included)."""
    cols = ["iso3", "year", "share", "world_total", "unit", "measure", "source", "quality"]
    parts = []
    if "midstream_shares" in dataset.table_names:
        mid = dataset.midstream_shares
        rows = mid.loc[(mid["stage"] == stage) & (mid["variant"] == variant)]
        parts.append(rows[cols])
    if stage == "anode" and variant == "all":
        ps = dataset.processing_shares
        rows = ps.loc[(ps["commodity"] == "graphite") & (ps["stage"] == "material")]
        if not rows.empty:
            parts.append(rows.assign(measure="production", quality="reported",
                                     unit="t anode")[cols])
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)


def _pick(tables: pd.DataFrame, year: int, need_total: bool) -> pd.DataFrame:
    """Rows of the latest (year, measure) table not after ``year`` (else the earliest)."""
    if need_total:
        complete = tables.groupby(["year", "measure"])["world_total"].transform(
            lambda s: s.notna().all())
        tables = tables.loc[complete.astype(bool)]
    if tables.empty:
        return tables
    # production before capacity in the same year: output is what a supply chain delivers
    keys = sorted({(int(y), m) for y, m in zip(tables["year"], tables["measure"], strict=True)},
                  key=lambda k: (k[0], k[1] == "production"))
    usable = [k for k in keys if k[0] <= year] or keys[:1]
    y, m = usable[-1]
    return tables.loc[(tables["year"] == y) & (tables["measure"] == m)]


def stage_shares(dataset: Dataset, stage: str, year: int, variant: str = "all") -> pd.Series:
    """Country shares of one midstream stage: the latest published table not after ``year``.

    Parameters
    ----------
    dataset : Dataset
    stage : {"precursor", "cathode", "anode", "cell"}
    year : int
    variant : str
        ``all`` or a chemistry family (``nickel_based``, ``LFP``).

    Returns
    -------
    pandas.Series
        ISO3 (``ROW`` kept) -> share; ``attrs`` hold ``share_year``,
        ``measure`` (production or capacity), ``sources`` and ``quality``.
        Empty when nothing is published for the stage.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> s = stage_shares(load_dataset(), "cathode", 2023)
    >>> round(float(s["CHN"]), 2), s.attrs["measure"], s.attrs["share_year"]
    (0.9, 'capacity', 2023)
    """
    check_stage(stage)
    picked = _pick(_candidates(dataset, stage, variant), int(year), need_total=False)
    if picked.empty:
        return pd.Series(dtype="float64", name="share")
    out = picked.groupby("iso3")["share"].sum().rename("share")
    out.attrs.update(_describe(picked))
    return out


def stage_output(dataset: Dataset, stage: str, year: int, variant: str = "all") -> pd.Series:
    """Output (or capacity) per country of a midstream stage: share x world total.

    Uses the latest table with a world total not after ``year`` (else the
    earliest such table); ``attrs`` say which (``share_year``, ``measure``,
    ``unit``, ``sources``). Empty when no table has a world total.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> out = stage_output(load_dataset(), "cell", 2023)
    >>> round(float(out["CHN"]), 1), out.attrs["unit"]
    (904.5, 'GWh')
    """
    check_stage(stage)
    picked = _pick(_candidates(dataset, stage, variant), int(year), need_total=True)
    if picked.empty:
        return pd.Series(dtype="float64", name="output")
    qty = picked["share"].astype(float) * picked["world_total"].astype(float)
    out = qty.groupby(picked["iso3"].to_numpy()).sum().rename("output")
    out.index.name = "iso3"
    out.attrs.update(_describe(picked))
    return out


def _describe(rows: pd.DataFrame) -> dict[str, object]:
    return {"share_year": int(rows["year"].iloc[0]), "measure": str(rows["measure"].iloc[0]),
            "unit": str(rows["unit"].iloc[0]),
            "sources": sorted(set(rows["source"].astype(str))),
            "quality": sorted(set(rows["quality"].astype(str)))}


# --------------------------------------------------------------------------- element content


def content_per_tonne(dataset: Dataset, stage: str, mix: pd.Series) -> pd.Series:
    """Tonnes of each element commodity in one tonne of product, for a chemistry mix.

    ``mix`` gives each chemistry's share of the *product tonnes*; chemistries
    without a formula for the stage (LFP has no hydroxide precursor) are left
    out and the rest rescaled. Anode material is graphite (1 t per t).

    Examples
    --------
    >>> import pandas as pd
    >>> from scrisk import load_dataset
    >>> c = content_per_tonne(load_dataset(), "cathode", pd.Series({"NMC811": 1.0}))
    >>> round(float(c["nickel"]), 4)
    0.4827
    """
    check_stage(stage)
    table = dataset.midstream_content
    if stage == "anode":
        rows = table.loc[table["stage"] == "anode"]
        return rows.groupby("commodity")["t_per_t"].sum().rename("t_per_t")
    rows = table.loc[(table["stage"] == stage) & table["chemistry"].isin(list(mix.index))]
    known = mix[mix.index.isin(set(rows["chemistry"]))]
    if known.sum() <= 0:
        raise ScriskError(f"no element content for the {stage} stage of chemistries "
                          f"{', '.join(mix.index)} in minerals/midstream_content.csv")
    weights = known / known.sum()
    wide = rows.pivot_table(index="commodity", columns="chemistry", values="t_per_t",
                            aggfunc="sum", fill_value=0.0)
    return (wide[list(weights.index)] * weights.to_numpy()).sum(axis=1).rename("t_per_t")


def cam_per_kwh(dataset: Dataset) -> pd.Series:
    """Kilograms of cathode active material per kWh of cells, by chemistry.

    Derived so that it agrees with ``battery_intensity.csv`` by construction:
    kg CAM/kWh = kg Li/kWh (intensity) / Li mass fraction of the CAM.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> round(float(cam_per_kwh(load_dataset())["NMC811"]), 3)
    1.369
    """
    intensity = dataset.battery_intensity
    li = intensity.loc[intensity["material"] == "lithium"].set_index("chemistry")["kg_per_kwh"]
    content = dataset.midstream_content
    frac = content.loc[(content["stage"] == "cathode") & (content["commodity"] == "lithium")]
    frac = frac.set_index("chemistry")["t_per_t"]
    common = li.index.intersection(frac.index)
    return (li[common].astype(float) / frac[common].astype(float)).rename("kg_cam_per_kwh")


# --------------------------------------------------------------------------- capacity by year


def cell_capacity(dataset: Dataset, iso3: str = "JPN", years=None,
                  target_gwh: float | None = None, stage: str = "cell") -> pd.DataFrame:
    """A country's domestic cell capacity by year against its goal (Japan: 150 GWh by 2030).

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
    years : iterable of int, optional
        Years to show (default: every year with a published figure, plus
        the target year). Years without a figure show ``NaN`` and the
        status ``no figure``: nothing is interpolated.
    target_gwh : float, optional
        Default: ``policy_targets.csv`` metric
        ``battery_manufacturing_capacity_domestic`` for ``iso3``.
    stage : str
        ``cell`` (other midstream stages if capacities are held).

    Returns
    -------
    pandas.DataFrame
        ``year, capacity_gwh, status, target_gwh, target_year, gap_gwh,
        share_of_target, quality, source, note``; ``gap_gwh = target -
        capacity`` (positive: short of the goal).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = cell_capacity(load_dataset(), "JPN")
    >>> t.loc[t["year"] == 2028, ["capacity_gwh", "gap_gwh"]].iloc[0].tolist()
    [120.0, 30.0]
    """
    check_stage(stage)
    cap = dataset.midstream_capacity if "midstream_capacity" in dataset.table_names else None
    rows = (cap.loc[(cap["iso3"] == iso3) & (cap["stage"] == stage)] if cap is not None
            else pd.DataFrame(columns=["year", "capacity", "status", "quality", "source",
                                       "note"]))
    target, target_year = _target(dataset, iso3, target_gwh)
    held = sorted({int(y) for y in rows["year"]})
    wanted = sorted({int(y) for y in years}) if years is not None else \
        sorted(set(held) | ({target_year} if target_year else set()))
    out = []
    for y in wanted:
        at = rows.loc[rows["year"] == y]
        if at.empty:
            out.append({"year": y, "capacity_gwh": np.nan, "status": "no figure",
                        "quality": "", "source": "", "note": ""})
            continue
        # an operating figure wins over a plan for the same year
        at = at.assign(_rank=at["status"].map({"operating": 0, "certified_plans": 1,
                                               "announced": 2}).fillna(3))
        row = at.sort_values("_rank", kind="stable").iloc[0]
        out.append({"year": y, "capacity_gwh": float(row["capacity"]), "status": row["status"],
                    "quality": row["quality"], "source": row["source"], "note": row["note"]})
    table = pd.DataFrame(out, columns=["year", "capacity_gwh", "status", "quality", "source",
                                       "note"])
    table.insert(3, "target_gwh", target)
    table.insert(4, "target_year", target_year)
    table.insert(5, "gap_gwh", target - table["capacity_gwh"])
    table.insert(6, "share_of_target", table["capacity_gwh"] / target if target else np.nan)
    table.attrs["iso3"] = iso3
    return table


def _target(dataset: Dataset, iso3: str, target_gwh: float | None) -> tuple[float, int | None]:
    targets = dataset.policy_targets
    rows = targets.loc[(targets["iso3"] == iso3) & (targets["metric"] == DOMESTIC_TARGET_METRIC)]
    year = int(rows["year"].iloc[0]) if not rows.empty else None
    if target_gwh is not None:
        return float(target_gwh), year
    if rows.empty:
        raise ScriskError(f"no {DOMESTIC_TARGET_METRIC} target for {iso3} in "
                          "minerals/policy_targets.csv; give target_gwh")
    return float(rows["value"].iloc[0]), year


# --------------------------------------------------------------------------- look-through


def supplier_split(own_output: float, need: float, others: pd.Series) -> pd.Series:
    """Who supplies a need of one product: own output first, then the world pro rata.

    ``own = min(need, own_output)``; the rest is split over ``others`` (other
    countries' output) in proportion to their output.

    Examples
    --------
    >>> import pandas as pd
    >>> supplier_split(30.0, 100.0, pd.Series({"CHN": 60.0, "KOR": 20.0})).to_dict()
    {'own': 30.0, 'CHN': 52.5, 'KOR': 17.5}
    """
    own = min(float(need), max(float(own_output), 0.0))
    rest = float(need) - own
    others = others[others > 0]
    parts = {"own": own}
    if rest > 0 and others.sum() > 0:
        parts.update((others / others.sum() * rest).to_dict())
    elif rest > 0:
        parts["unsupplied"] = rest
    return pd.Series(parts, dtype=float)


def _pool_origins(dataset: Dataset, commodity: str, supplier: str, year: int,
                  draw: float) -> tuple[pd.Series, str]:
    """Origin shares of what ``supplier``'s plants draw of ``commodity`` (sum 1).

    ``draw`` is the supplier's whole midstream use of the element; beyond its
    pool at the battery stage the excess is ``untraced:<supplier>``.
    """
    from scrisk.origins import UNTRACED_PREFIX, flow_model

    untraced = f"{UNTRACED_PREFIX}{supplier}"
    if supplier in (AGGREGATE, "unsupplied"):
        return pd.Series({untraced: 1.0}), ""
    if commodity not in dataset.commodities_list:
        return pd.Series({untraced: 1.0}), (f"{commodity} is not a commodity of the dataset: "
                                            "its need is untraced")
    wanted = _battery_stage(dataset, commodity)
    model = flow_model(dataset, commodity, year)
    stage, pool = _pool_stage(model, supplier, wanted)
    if pool <= 0:
        return pd.Series({untraced: 1.0}), (f"{commodity}: {supplier} holds no {wanted} (or "
                                            f"lower-stage) pool in the {year} network: "
                                            "untraced")
    mix = model.supply_by_origin(supplier, stage) / pool
    covered = 1.0 if draw <= pool else pool / draw
    notes = [] if stage == wanted else [
        f"{commodity}: {supplier} has no {wanted} pool in the {year} network; its {stage} "
        "pool (material it imports or makes and refines itself) stands in"]
    if covered < 1.0:
        notes.append(f"{commodity}: {supplier}'s midstream use ({draw:,.0f} t) exceeds its "
                     f"{stage} pool ({pool:,.0f} t) in {year}: {1 - covered:.0%} untraced")
    note = "; ".join(notes)
    out = mix * covered
    if covered < 1.0:
        out[untraced] = out.get(untraced, 0.0) + (1.0 - covered)
    return out, note


def _pool_stage(model, supplier: str, wanted: str) -> tuple[str, float]:
    """The battery stage's pool, else the most processed lower stage with a pool.

    A country whose refined output or trade the data lack (Japan's class-1
    nickel sits in IEA's rest of world) still refines what it imports at a
    lower stage: that pool's origin mix is the best traced answer.
    """
    stages = [s for s in model.stages if s != "material" or wanted == "material"]
    order = stages[: stages.index(wanted) + 1] if wanted in stages else stages
    for stage in reversed(order):
        pool = model.supply(supplier, stage)
        if pool > 0:
            return stage, pool
    return wanted, 0.0


def _battery_stage(dataset: Dataset, commodity: str) -> str:
    row = dataset.select("commodities", commodity=commodity)
    stage = row["battery_stage"].iloc[0] if "battery_stage" in row and len(row) else None
    return str(stage) if stage is not None and str(stage) not in ("", "None", "nan") \
        else "refining"


def lookthrough(dataset: Dataset, stage: str, needs: pd.Series, product_need: float,
                iso3: str, year: int, mix: pd.Series, network_year: int | None = None
                ) -> tuple[pd.DataFrame, list[str]]:
    """Mined origin of element ``needs`` met through one midstream stage (tonnes).

    Parameters
    ----------
    dataset : Dataset
    stage : {"cathode", "anode", "precursor"}
        The product that carries the elements.
    needs : pandas.Series
        Element commodity -> contained tonnes needed.
    product_need : float
        Tonnes of product behind ``needs`` (splits own output from the world).
    iso3 : str
        The country whose need it is.
    year : int
        Year of the midstream output shares.
    mix : pandas.Series
        Chemistry shares (product tonnes) used for suppliers' element use.
    network_year : int, optional
        Year of the element networks (default: ``year`` if held, else the
        default year).

    Returns
    -------
    (pandas.DataFrame, list of str)
        Rows ``commodity, via, supplier, origin, tonnes`` and the notes (data
        gaps, fallbacks) to show beside the numbers.
    """
    from scrisk.network import default_year

    output = stage_output(dataset, stage, year)
    notes: list[str] = []
    if output.empty:
        notes.append(f"no {stage} output with a world total is held: the whole need is "
                     "untraced")
        output = pd.Series({AGGREGATE: 1.0})
    else:
        notes.append(f"{stage} output by country: {output.attrs['measure']} shares of "
                     f"{output.attrs['share_year']} x world total "
                     f"({'; '.join(output.attrs['sources'])})")
    nyear = network_year or _network_year(dataset, year, default_year(dataset))
    split = supplier_split(float(output.get(iso3, 0.0)), product_need,
                           output.drop(iso3, errors="ignore"))
    if split.drop("own").sum() > 0:
        notes.append(f"{stage}: {split.drop('own').sum() / max(product_need, 1e-12):.0%} of "
                     f"{iso3}'s need is beyond its own output; {WORLD_MARKET_NOTE}")
    content = content_per_tonne(dataset, stage, mix)
    rows = []
    for commodity, need_t in needs.items():
        if need_t <= 0:
            continue
        for supplier, product_t in split.items():
            if product_t <= 0:
                continue
            who = iso3 if supplier == "own" else str(supplier)
            draw = float(output.get(who, 0.0)) * float(content.get(commodity, 0.0))
            origins, note = _pool_origins(dataset, commodity, who, nyear, draw)
            if note:
                notes.append(note)
            share_of_need = product_t / product_need if product_need > 0 else 0.0
            for origin, frac in origins.items():
                rows.append({"commodity": commodity, "via": stage, "supplier": who,
                             "origin": origin,
                             "tonnes": float(need_t) * share_of_need * float(frac)})
    if nyear != year:
        notes.append(f"element networks of {nyear} (the {year} midstream use traced through "
                     "the latest network held)")
    table = pd.DataFrame(rows, columns=["commodity", "via", "supplier", "origin", "tonnes"])
    table = table.groupby(["commodity", "via", "supplier", "origin"], as_index=False,
                          sort=True)["tonnes"].sum()
    return table, list(dict.fromkeys(notes))


def _network_year(dataset: Dataset, year: int, fallback: int) -> int:
    held = set(dataset.years("production")) & set(dataset.years("trade"))
    return int(year) if int(year) in held else int(fallback)


@dataclass(frozen=True)
class MidstreamExposure:
    """Where a country's midstream supply (or its cells' materials) was mined.

    Attributes
    ----------
    iso3, stage : str
    year : int
    product_need : float
        Product behind the needs (t CAM, t anode; GWh for cells).
    unit : str
    needs : pandas.DataFrame
        ``commodity, contained_t, contained_unit`` (lithium also as
        ``lce_t``).
    flows : pandas.DataFrame
        ``commodity, via, supplier, origin, tonnes``: contained tonnes by
        midstream stage carrying them, supplier country and mined origin.
    notes : tuple of str
    """

    iso3: str
    stage: str
    year: int
    product_need: float
    unit: str
    needs: pd.DataFrame
    flows: pd.DataFrame
    notes: tuple[str, ...] = field(default=())

    def by_origin(self) -> pd.DataFrame:
        """``commodity, origin, kind, tonnes, share`` (share of the element's need)."""
        from scrisk.origins import label_kind

        if self.flows.empty:
            return pd.DataFrame(columns=["commodity", "origin", "kind", "tonnes", "share"])
        out = self.flows.groupby(["commodity", "origin"], as_index=False)["tonnes"].sum()
        total = out.groupby("commodity")["tonnes"].transform("sum")
        out["share"] = out["tonnes"] / total.where(total > 0)
        out.insert(2, "kind", out["origin"].map(label_kind))
        return out.sort_values(["commodity", "tonnes"], ascending=[True, False],
                               ignore_index=True, kind="stable")

    def by_supplier(self) -> pd.DataFrame:
        """``commodity, via, supplier, tonnes, share``: the midstream countries behind the need."""
        if self.flows.empty:
            return pd.DataFrame(columns=["commodity", "via", "supplier", "tonnes", "share"])
        out = self.flows.groupby(["commodity", "via", "supplier"], as_index=False)[
            "tonnes"].sum()
        total = out.groupby("commodity")["tonnes"].transform("sum")
        out["share"] = out["tonnes"] / total.where(total > 0)
        return out.sort_values(["commodity", "tonnes"], ascending=[True, False],
                               ignore_index=True, kind="stable")

    def chokepoints(self, top: int = 10) -> pd.DataFrame:
        """Largest single-country losses: a midstream supplier or a mining country stops.

        ``node`` is ``<stage>:<ISO3>`` or ``mining:<ISO3>``; ``loss_share`` is
        the share of the element's need lost (for a supplier: all it ships;
        for a mine country: its mined share). Untraced and unattributed
        labels are left out (they are data gaps, not places).
        """
        frames = []
        sup = self.by_supplier()
        if not sup.empty:
            frames.append(pd.DataFrame({"node": sup["via"] + ":" + sup["supplier"],
                                        "commodity": sup["commodity"],
                                        "loss_t": sup["tonnes"], "loss_share": sup["share"]}))
        org = self.by_origin()
        org = org.loc[org["kind"] == "mined"]
        if not org.empty:
            frames.append(pd.DataFrame({"node": "mining:" + org["origin"],
                                        "commodity": org["commodity"], "loss_t": org["tonnes"],
                                        "loss_share": org["share"]}))
        if not frames:
            return pd.DataFrame(columns=["node", "commodity", "loss_t", "loss_share"])
        out = pd.concat(frames, ignore_index=True)
        out = out.loc[~out["node"].str.endswith(":" + AGGREGATE)]
        return out.sort_values(["loss_share", "node"], ascending=[False, True],
                               ignore_index=True, kind="stable").head(top)

    def summary(self) -> pd.DataFrame:
        """One row per element: need, top mining country and its share, untraced share."""
        org = self.by_origin()
        rows = []
        for rec in self.needs.itertuples(index=False):
            part = org.loc[org["commodity"] == rec.commodity]
            mined = part.loc[part["kind"] == "mined"]
            rows.append({"iso3": self.iso3, "stage": self.stage, "year": self.year,
                         "commodity": rec.commodity, "need_t": rec.contained_t,
                         "unit": rec.contained_unit,
                         "top_mine": mined["origin"].iloc[0] if len(mined) else None,
                         "top_mine_share": float(mined["share"].iloc[0]) if len(mined)
                         else np.nan,
                         "traced_share": float(mined["share"].sum()) if len(part) else np.nan})
        return pd.DataFrame(rows)


def midstream_exposure(dataset: Dataset, iso3: str = "JPN", stage: str = "cathode",
                       year: int | None = None, scenario: str = "nickel_rich",
                       quantity: float | None = None, mix: pd.Series | None = None
                       ) -> MidstreamExposure:
    """Mined origin of a country's cathode or anode material supply, through the midstream.

    Parameters
    ----------
    dataset : Dataset
    iso3 : str
    stage : {"cathode", "anode", "precursor"}
    year : int, optional
        Year of the midstream shares (default: the default analysis year).
    scenario : str
        Chemistry mix (``battery_scenarios.csv``) of the product.
    quantity : float, optional
        Product tonnes to trace (default: the country's own output of the
        stage, i.e. its domestic supply when no trade is held).
    mix : pandas.Series, optional
        Chemistry shares instead of ``scenario``.

    Returns
    -------
    MidstreamExposure

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> exp = midstream_exposure(load_dataset(), "JPN", "cathode", 2024)
    >>> bool(abs(exp.by_origin().groupby("commodity")["share"].sum() - 1).max() < 1e-9)
    True
    """
    from scrisk.metrics.battery import chemistry_mix
    from scrisk.network import default_year

    check_stage(stage)
    if stage == "cell":
        raise ScriskError("for cells use battery_goal() / cell_exposure(): a cell's elements "
                          "come through its cathode and anode material")
    iso3 = dataset.check_country(iso3)
    year = int(year) if year is not None else default_year(dataset)
    mix = mix if mix is not None else chemistry_mix(dataset, scenario)
    output = stage_output(dataset, stage, year)
    q = float(quantity) if quantity is not None else float(output.get(iso3, 0.0))
    notes: list[str] = []
    if quantity is None:
        notes.append(f"{iso3}'s {stage} supply taken as its own output "
                     f"({q:,.0f} {output.attrs.get('unit', 't')}); midstream imports are not "
                     "held")
    content = content_per_tonne(dataset, stage, mix)
    needs = content[content.index.isin(STAGE_ELEMENTS[stage])] * q
    flows, more = lookthrough(dataset, stage, needs, q, iso3, year, mix)
    return MidstreamExposure(iso3, stage, year, q, output.attrs.get("unit", "t"),
                             _needs_frame(dataset, needs), flows, tuple(notes + more))


def _needs_frame(dataset: Dataset, needs: pd.Series) -> pd.DataFrame:
    from scrisk.network import contained_unit

    rows = []
    for commodity, t in needs.items():
        unit = contained_unit(dataset, commodity)[0] if commodity in dataset.commodities_list \
            else "t"
        rows.append({"commodity": commodity, "contained_t": float(t), "contained_unit": unit,
                     "lce_t": float(t) / LI_PER_LCE if commodity == "lithium" else np.nan})
    return pd.DataFrame(rows, columns=["commodity", "contained_t", "contained_unit", "lce_t"])


def cell_exposure(dataset: Dataset, iso3: str, gwh: float, year: int | None = None,
                  scenario: str = "nickel_rich", basis: str = "calibrated",
                  mix: pd.Series | None = None) -> MidstreamExposure:
    """Materials of ``gwh`` of cells made in ``iso3`` and where they were mined.

    Element needs are :func:`scrisk.metrics.battery.battery_needs` (lithium
    converted from LCE to contained Li). Cathode elements come through the
    cathode stage, graphite through the anode stage: own output first, then
    the world market; then each supplier's refined (or anode-grade) pool to
    the mines.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> exp = cell_exposure(load_dataset(), "JPN", 150.0, 2024)
    >>> sorted(exp.needs["commodity"])
    ['cobalt', 'graphite', 'lithium', 'manganese', 'nickel']
    """
    from scrisk.metrics.battery import battery_needs, chemistry_mix
    from scrisk.network import default_year

    iso3 = dataset.check_country(iso3)
    if gwh < 0:
        raise ValueError(f"gwh must be >= 0, got {gwh}")
    year = int(year) if year is not None else default_year(dataset)
    mix_label = "given chemistry mix" if mix is not None else f"{scenario} chemistry mix"
    mix = mix if mix is not None else chemistry_mix(dataset, scenario)
    table = battery_needs(dataset, gwh, mix=mix, basis=basis).set_index("material")["tonnes"]
    needs = pd.Series({c: float(table.get(m, 0.0)) for m, c in NEED_MATERIAL.items()})
    # product tonnes behind the needs: CAM from the chemistry mix, anode = graphite tonnes
    kg_cam = cam_per_kwh(dataset).reindex(mix.index)
    if kg_cam[mix > 0].isna().any():
        missing = sorted(kg_cam[(mix > 0) & kg_cam.isna()].index)
        raise ScriskError(f"no CAM per kWh for {', '.join(missing)}: battery_intensity.csv needs "
                          "a 'lithium' row and midstream_content.csv a cathode lithium row for "
                          "each chemistry of the mix")
    cam_t = float((kg_cam * mix).sum()) * gwh * TONNES_PER_GWH_PER_KG_PER_KWH
    cam_mix = (kg_cam * mix) / (kg_cam * mix).sum() if (kg_cam * mix).sum() > 0 else mix
    notes = [f"needs on the {basis} basis of battery_needs ({gwh:g} GWh, {mix_label})"]
    cathode = needs[list(CATHODE_ELEMENTS)]
    flows_c, notes_c = lookthrough(dataset, "cathode", cathode, cam_t, iso3, year, cam_mix)
    anode = needs[list(ANODE_ELEMENTS)]
    flows_a, notes_a = lookthrough(dataset, "anode", anode, float(anode.sum()), iso3, year,
                                   cam_mix)
    parts = [f for f in (flows_c, flows_a) if not f.empty]
    flows = pd.concat(parts, ignore_index=True) if parts else flows_c
    return MidstreamExposure(iso3, "cell", year, float(gwh), "GWh",
                             _needs_frame(dataset, needs), flows,
                             tuple(dict.fromkeys(notes + notes_c + notes_a)))


# --------------------------------------------------------------------------- the 150 GWh goal


@dataclass(frozen=True)
class BatteryGoal:
    """A country's domestic cell capacity against its goal, and what the goal needs.

    Attributes
    ----------
    capacity : pandas.DataFrame
        :func:`cell_capacity`.
    exposure : MidstreamExposure
        Materials of the goal's GWh and their mined origin.
    target_gwh : float
    target_year : int or None
    """

    capacity: pd.DataFrame
    exposure: MidstreamExposure
    target_gwh: float
    target_year: int | None
    plants: pd.DataFrame | None = None
    """:func:`capacity_comparison`: the capacity built up from the listed plants by year."""

    def summary(self) -> pd.DataFrame:
        """Element needs of the goal with top mining country and traced share."""
        return self.exposure.summary()

    def tables(self, top: int = 8) -> dict[str, object]:
        """Everything a report shows, computed here: ``capacity``, ``needs`` (with
        ``lce_t`` for lithium), ``chokepoints``, ``notes``, ``target_gwh``,
        ``target_year``, ``network_year``, ``latest`` (the latest published capacity row),
        ``plants`` (:func:`capacity_comparison`, or None) and ``plant_notes``."""
        needs = self.summary().merge(self.exposure.needs[["commodity", "lce_t"]],
                                     on="commodity", how="left")
        held = self.capacity.dropna(subset=["capacity_gwh"])
        latest = held.iloc[-1].to_dict() if len(held) else None
        return {"capacity": self.capacity, "needs": needs,
                "chokepoints": self.exposure.chokepoints(top), "notes": self.exposure.notes,
                "target_gwh": self.target_gwh, "target_year": self.target_year,
                "network_year": self.exposure.year, "latest": latest,
                "plants": self.plants,
                "plant_notes": tuple(self.plants.attrs.get("notes", ()))
                if self.plants is not None else ()}


def battery_goal(dataset: Dataset, iso3: str = "JPN", scenario: str = "nickel_rich",
                 year: int | None = None, basis: str = "calibrated",
                 target_gwh: float | None = None) -> BatteryGoal:
    """Japan's 150 GWh goal as a metric: capacity by year, needs and their origins.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> goal = battery_goal(load_dataset())
    >>> goal.target_gwh, goal.target_year
    (150.0, 2030)
    """
    iso3 = dataset.check_country(iso3)
    capacity = cell_capacity(dataset, iso3, target_gwh=target_gwh)
    target = float(capacity["target_gwh"].iloc[0]) if len(capacity) else float(target_gwh or 0)
    target_year = capacity["target_year"].iloc[0] if len(capacity) else None
    target_year = int(target_year) if target_year is not None and target_year == target_year \
        else None
    exposure = cell_exposure(dataset, iso3, target, year, scenario, basis)
    plants = capacity_comparison(dataset, iso3, target_gwh=target_gwh)
    if plants["if_realised_gwh"].fillna(0).eq(0).all():
        plants = None  # no plant of the country is held
    return BatteryGoal(capacity, exposure, target, target_year, plants)


# --------------------------------------------------------------------------- for chokepoints


def supplier_pools(dataset: Dataset, stage: str, mix: pd.Series, year: int,
                   suppliers, commodities, network_year: int | None = None) -> pd.DataFrame:
    """The element pools midstream suppliers draw on, by the look-through's own rule.

    For each supplier country and element: the pool it draws from (the
    element's battery stage, else the most processed lower stage held, as
    in :func:`lookthrough`), the supplier's whole midstream use of the
    element ``draw = X_m[j] x w(e)`` and the traced share ``min(1, pool /
    draw)`` (the rest is ``untraced:<supplier>``). The disruption
    chokepoints push shocks through these pools.

    Returns
    -------
    pandas.DataFrame
        ``commodity, supplier, network_year, pool_stage, pool_t, draw_t,
        traced_share``; ``ROW`` and elements without a network get
        ``traced_share`` 0 and no pool stage.

    Examples
    --------
    >>> import pandas as pd
    >>> from scrisk import load_dataset
    >>> t = supplier_pools(load_dataset(), "anode", pd.Series({"NMC811": 1.0}), 2024,
    ...                    ["CHN"], ["graphite"])
    >>> t[["supplier", "pool_stage", "traced_share"]].values.tolist()
    [['CHN', 'material', 1.0]]
    """
    from scrisk.network import default_year
    from scrisk.origins import flow_model

    check_stage(stage)
    output = stage_output(dataset, stage, year)
    content = content_per_tonne(dataset, stage, mix)
    nyear = network_year or _network_year(dataset, year, default_year(dataset))
    rows = []
    for commodity in commodities:
        for supplier in suppliers:
            draw = float(output.get(supplier, 0.0)) * float(content.get(commodity, 0.0))
            row = {"commodity": commodity, "supplier": supplier, "network_year": nyear,
                   "pool_stage": None, "pool_t": 0.0, "draw_t": draw, "traced_share": 0.0}
            if supplier not in (AGGREGATE, "unsupplied") and \
                    commodity in dataset.commodities_list:
                model = flow_model(dataset, commodity, nyear)
                pool_stage, pool = _pool_stage(model, supplier,
                                               _battery_stage(dataset, commodity))
                if pool > 0:
                    row.update(pool_stage=pool_stage, pool_t=float(pool),
                               traced_share=1.0 if draw <= pool else pool / draw)
            rows.append(row)
    return pd.DataFrame(rows, columns=["commodity", "supplier", "network_year", "pool_stage",
                                       "pool_t", "draw_t", "traced_share"])


# --------------------------------------------------------------------------- plants and owners

OPERATING = ("operating",)
PIPELINE = ("operating", "construction", "certified_plan", "planned")
"""Statuses counted as capacity 'if realised': everything but cancelled."""
UNSIZED_NOTE = ("plants or plans with no published capacity or year are listed but not summed: "
                "a data gap, not a zero")


def _plants(dataset: Dataset) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plant and owner tables (empty frames when the files are absent)."""
    names = dataset.table_names
    plants = dataset.midstream_plants if "midstream_plants" in names else pd.DataFrame(
        columns=["plant_id", "name", "stage", "scope", "iso3", "operator", "capacity", "unit",
                 "year", "status", "certified", "quality", "source", "note"])
    owners = dataset.midstream_plant_owners if "midstream_plant_owners" in names else \
        pd.DataFrame(columns=["plant_id", "owner", "owner_iso3", "equity_share"])
    return plants, owners


def nationality_split(owners: pd.DataFrame) -> pd.DataFrame:
    """Share of each plant held by each owner nationality.

    An owner's ``equity_share`` counts for its nationality; where shares are
    not published but every owner has one nationality, that nationality holds
    the whole plant; otherwise the unpublished part is ``unattributed``.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"plant_id": ["A", "A", "B", "B"], "owner": ["x", "y", "z", "w"],
    ...                   "owner_iso3": ["CHN", "JPN", "JPN", "JPN"],
    ...                   "equity_share": [0.8, 0.2, None, None]})
    >>> nationality_split(o).to_dict("records")
    [{'plant_id': 'A', 'owner_iso3': 'CHN', 'share': 0.8}, {'plant_id': 'A', 'owner_iso3': 'JPN', 'share': 0.2}, {'plant_id': 'B', 'owner_iso3': 'JPN', 'share': 1.0}]
    """
    rows = []
    for plant_id, part in owners.groupby("plant_id", sort=True):
        shares = part["equity_share"].astype("float64")
        nations = sorted(set(part["owner_iso3"]))
        if shares.isna().all():
            if len(nations) == 1:
                rows.append({"plant_id": plant_id, "owner_iso3": nations[0], "share": 1.0})
            else:
                rows.append({"plant_id": plant_id, "owner_iso3": "unattributed", "share": 1.0})
            continue
        by = shares.fillna(0.0).groupby(part["owner_iso3"].to_numpy()).sum()
        rows += [{"plant_id": plant_id, "owner_iso3": str(k), "share": float(v)}
                 for k, v in by.items() if v > 0]
        rest = 1.0 - float(shares.sum())
        if rest > 1e-9:
            rows.append({"plant_id": plant_id, "owner_iso3": "unattributed", "share": rest})
    return pd.DataFrame(rows, columns=["plant_id", "owner_iso3", "share"])


def plant_table(dataset: Dataset, stage: str | None = None, iso3: str | None = None
                ) -> pd.DataFrame:
    """The plants with their owners in one line each (latest capacity row per status).

    Returns the plant rows (``plant_id, name, stage, scope, iso3, operator,
    capacity, unit, year, status, certified, quality, source, note``) with
    ``owners`` (``owner (ISO3, share)`` joined by ``; ``).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = plant_table(load_dataset(), "cell", "JPN")  # doctest: +SKIP
    >>> "Honda Motor (JPN, 49%)" in t.set_index("plant_id").loc[
    ...     "JPN-BLUE-ENERGY-2027", "owners"]  # doctest: +SKIP
    True
    """
    plants, owners = _plants(dataset)
    if stage is not None:
        plants = plants.loc[plants["stage"] == check_stage(stage)]
    if iso3 is not None:
        plants = plants.loc[plants["iso3"] == iso3]

    def label(part: pd.DataFrame) -> str:
        return "; ".join(f"{r.owner} ({r.owner_iso3}, "
                         f"{'share n/p' if pd.isna(r.equity_share) else f'{r.equity_share:.0%}'})"
                         for r in part.itertuples(index=False))

    text = {pid: label(part) for pid, part in owners.groupby("plant_id", sort=False)}
    out = plants.assign(owners=plants["plant_id"].map(text).fillna(""))
    return out.reset_index(drop=True)


def _step_capacity(rows: pd.DataFrame, year: int, statuses: tuple[str, ...]) -> pd.Series:
    """Capacity of each plant in ``year``: its latest dated row not after the year
    (rows of one plant and year: the last one listed)."""
    ids = rows["plant_id"].to_numpy(dtype=object)
    years = rows["year"].to_numpy(dtype="float64", na_value=np.nan)
    cap = rows["capacity"].to_numpy(dtype="float64", na_value=np.nan)
    ok = np.isin(rows["status"].to_numpy(dtype=object), list(statuses)) & ~np.isnan(years) \
        & ~np.isnan(cap) & (years <= int(year))
    best: dict[str, int] = {}
    for i in np.flatnonzero(ok):
        if ids[i] not in best or years[i] >= years[best[ids[i]]]:
            best[ids[i]] = int(i)
    return pd.Series({p: float(cap[i]) for p, i in sorted(best.items())}, dtype="float64")


def _default_years(rows: pd.DataFrame) -> list[int]:
    """First dated row's year to the last one's (at least to 2030, the goal's year)."""
    dated = rows["year"].dropna()
    if dated.empty:
        return []
    return list(range(int(dated.min()), max(int(dated.max()), 2030) + 1))


def plant_capacity_by_year(dataset: Dataset, iso3: str = "JPN", stage: str = "cell",
                           years=None) -> pd.DataFrame:
    """A country's capacity built up from its plants, by year.

    For each plant the capacity in year *y* is that of its latest dated row
    not after *y* (rows are levels, not additions). ``operating`` sums rows
    with status operating; ``pipeline`` sums every status but cancelled (the
    capacity if every listed plant and certified plan is realised on time).
    Rows with no capacity or no year are not summed (listed in ``attrs``).

    Returns
    -------
    pandas.DataFrame
        ``year, operating, pipeline, plants_counted, cancelled`` in the
        stage's unit; ``attrs``: ``unit``, ``unsized`` (plant ids),
        ``undated`` (plant ids with a size but no year), ``notes``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = plant_capacity_by_year(load_dataset(), "JPN", "cell", [2030])  # doctest: +SKIP
    >>> t[["year", "operating", "pipeline"]].iloc[0].tolist()  # doctest: +SKIP
    [2030, 14.6, 78.1]
    """
    check_stage(stage)
    plants, _ = _plants(dataset)
    rows = plants.loc[(plants["stage"] == stage) & (plants["iso3"] == iso3)
                      & (plants["scope"] != "company")]
    unit = STAGE_UNITS[stage]
    rows = rows[["plant_id", "year", "capacity", "status"]]
    wanted = sorted({int(y) for y in years}) if years is not None else _default_years(rows)
    out = []
    for y in wanted:
        op = _step_capacity(rows, y, OPERATING)
        pipe = _step_capacity(rows, y, PIPELINE)
        gone = _step_capacity(rows, y, ("cancelled",))
        out.append({"year": y, "operating": float(op.sum()), "pipeline": float(pipe.sum()),
                    "plants_counted": int(len(pipe)), "cancelled": float(gone.sum())})
    table = pd.DataFrame(out, columns=["year", "operating", "pipeline", "plants_counted",
                                       "cancelled"])
    ids = rows.groupby("plant_id")
    unsized = sorted(p for p, part in ids if part["capacity"].isna().all())
    undated = sorted(p for p, part in ids
                     if part["capacity"].notna().any() and part["year"].isna().any()
                     and p not in unsized)
    table.attrs.update({"unit": unit, "unsized": unsized, "undated": undated,
                        "notes": [UNSIZED_NOTE] if unsized or undated else []})
    return table


STAGE_UNITS = {"cell": "GWh", "cathode": "t CAM", "precursor": "t pCAM", "anode": "t anode"}


def capacity_comparison(dataset: Dataset, iso3: str = "JPN", years=None,
                        target_gwh: float | None = None) -> pd.DataFrame:
    """Published (METI) domestic cell capacity beside the sum of the listed plants, by year.

    Columns ``year, published_gwh, published_status, operating_gwh,
    if_realised_gwh, cancelled_gwh, difference_gwh, gap_to_target_gwh``:
    ``operating_gwh`` and ``if_realised_gwh`` are :func:`plant_capacity_by_year`
    (operating; every status but cancelled); ``difference = published -
    if_realised`` (positive: the listed plants fall short of the published
    figure, mostly because some plants or plans publish no capacity);
    ``gap_to_target = target - if_realised``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = capacity_comparison(load_dataset(), "JPN").set_index("year")  # doctest: +SKIP
    >>> float(t.loc[2028, "published_gwh"])  # doctest: +SKIP
    120.0
    """
    published = cell_capacity(dataset, iso3, target_gwh=target_gwh)
    held = set(published["year"])
    plants, _ = _plants(dataset)
    mine = plants.loc[(plants["stage"] == "cell") & (plants["iso3"] == iso3)
                      & (plants["scope"] != "company")]
    wanted = sorted({int(y) for y in years}) if years is not None else \
        sorted(held | set(_default_years(mine)))
    built = plant_capacity_by_year(dataset, iso3, "cell", wanted).set_index("year")
    meti = cell_capacity(dataset, iso3, wanted, target_gwh).set_index("year")
    table = pd.DataFrame({
        "year": wanted,
        "published_gwh": meti["capacity_gwh"].reindex(wanted).to_numpy(),
        "published_status": meti["status"].reindex(wanted).to_numpy(),
        "operating_gwh": built["operating"].reindex(wanted).to_numpy(),
        "if_realised_gwh": built["pipeline"].reindex(wanted).to_numpy(),
        "cancelled_gwh": built["cancelled"].reindex(wanted).to_numpy()})
    target = float(published["target_gwh"].iloc[0]) if len(published) else np.nan
    table["difference_gwh"] = table["published_gwh"] - table["if_realised_gwh"]
    table["gap_to_target_gwh"] = target - table["if_realised_gwh"]
    table.attrs.update({"unsized": built.attrs["unsized"], "undated": built.attrs["undated"],
                        "target_gwh": target,
                        "notes": _comparison_notes(dataset, iso3, built)})
    return table


def _comparison_notes(dataset: Dataset, iso3: str, built: pd.DataFrame) -> list[str]:
    plants, _ = _plants(dataset)
    rows = plants.loc[(plants["stage"] == "cell") & (plants["iso3"] == iso3)]
    notes = ["if_realised: every listed plant and certified plan realised on time "
             "(operating + construction + certified + planned); published: METI's aggregate "
             "(operating, or 'if every certified plan is realised')"]
    if built.attrs["unsized"]:
        notes.append("not summed, no published capacity: " + ", ".join(built.attrs["unsized"])
                     + " (part of the published figures but not of the plant sum)")
    if built.attrs["undated"]:
        notes.append("rows without a year, not summed: " + ", ".join(built.attrs["undated"]))
    gone = rows.loc[rows["status"] == "cancelled"]
    for r in gone.itertuples(index=False):
        notes.append(f"cancelled after certification, still inside the published plan total: "
                     f"{r.plant_id} ({r.capacity:g} GWh)")
    notes.append("plans are dated as their sources state them (the year the stated capacity "
                 "is reached, often 2030, or the start of operation), the published plan totals "
                 "by the latest supply start: years differ")
    return notes


def certified_rounds(dataset: Dataset, iso3: str = "JPN") -> pd.DataFrame:
    """Cell capacity of certified plans by certification date, beside METI's increments.

    ``plans_gwh`` sums the plans' stated capacity (cancelled ones in
    ``cancelled_gwh`` too, since METI counted them when certified);
    ``unsized`` counts plans without a published capacity. ``meti_increment_gwh``
    is METI's rise in the certified-plan total matched to certification years
    in order: the first certified total minus the latest operating figure
    of an earlier year, then each later total minus the previous one (a documented
    assumption: METI's totals follow the certification rounds).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> r = certified_rounds(load_dataset()).set_index("round_year")  # doctest: +SKIP
    >>> float(r.loc[2024, "meti_increment_gwh"])  # doctest: +SKIP
    35.0
    """
    plants, _ = _plants(dataset)
    rows = plants.loc[(plants["stage"] == "cell") & (plants["iso3"] == iso3)
                      & plants["certified"].notna()]
    rows = rows.sort_values(["plant_id", "year"], kind="stable").groupby("plant_id").tail(1)
    rows = rows.assign(round_year=rows["certified"].astype(str).str[:4].astype(int))
    out = []
    for year, part in rows.groupby("round_year", sort=True):
        live = part.loc[part["status"] != "cancelled"]
        out.append({"round_year": int(year),
                    "dates": ", ".join(sorted(set(part["certified"].astype(str)))),
                    "plans": int(len(part)),
                    "plans_gwh": float(part["capacity"].fillna(0.0).sum()),
                    "cancelled_gwh": float(part.loc[part["status"] == "cancelled",
                                                    "capacity"].sum()),
                    "unsized": int(live["capacity"].isna().sum())})
    table = pd.DataFrame(out, columns=["round_year", "dates", "plans", "plans_gwh",
                                       "cancelled_gwh", "unsized"])
    cap = dataset.midstream_capacity if "midstream_capacity" in dataset.table_names else None
    increments: list[float] = []
    if cap is not None:
        mine = cap.loc[(cap["iso3"] == iso3) & (cap["stage"] == "cell")]
        plans = mine.loc[mine["status"] == "certified_plans"].sort_values("year")
        first_plan = int(plans["year"].iloc[0]) if len(plans) else None
        operating = mine.loc[(mine["status"] == "operating")
                             & (mine["year"] < (first_plan or 0))].sort_values("year")
        previous = float(operating["capacity"].iloc[-1]) if len(operating) else np.nan
        for value in plans["capacity"].astype(float):
            increments.append(value - previous)
            previous = value
    table["meti_increment_gwh"] = [increments[i] if i < len(increments) else np.nan
                               for i in range(len(table))]
    table["difference_gwh"] = table["meti_increment_gwh"] - table["plans_gwh"]
    return table


def owner_concentration(dataset: Dataset, stage: str = "cell", year: int | None = None,
                        within: str | None = None, statuses: tuple[str, ...] = OPERATING,
                        scale: float = 1.0) -> pd.DataFrame:
    """Capacity held by companies of each nationality, and its concentration.

    ``within=None``: company totals (``scope`` company) operating in
    ``year`` against the world capacity of that year
    (``midstream_shares.csv`` capacity ``world_total``); the part of the world
    total held by companies not listed is ``not listed``. ``within=ISO3``:
    the plants located in that country (capacity of each plant in ``year``,
    counting ``statuses``), shares of their sum. A plant's capacity is split
    by :func:`nationality_split`.

    Returns
    -------
    pandas.DataFrame
        ``owner_iso3, capacity, share, companies`` (largest first);
        ``attrs``: ``year``, ``unit``, ``denominator``, ``world_total``,
        ``world_source``, ``coverage`` (listed / denominator), ``hhi`` (on
        the listed nationalities' shares of the denominator; ``scale`` 10,000
        for the points convention; NaN in the world view when no world total
        is held), ``notes``.

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = owner_concentration(load_dataset(), "cell", 2022).set_index("owner_iso3")
    >>> round(float(t.loc["KOR", "capacity"]), 1)
    361.0
    """
    check_stage(stage)
    plants, owners = _plants(dataset)
    rows = plants.loc[plants["stage"] == stage]
    notes: list[str] = []
    if within is None:
        rows = rows.loc[(rows["scope"] == "company") & rows["status"].isin(statuses)
                        & rows["capacity"].notna()]
        if year is None:
            counts = rows.dropna(subset=["year"]).groupby("year")["plant_id"].nunique()
            year = int(counts.sort_index().idxmax()) if len(counts) else None
        if year is None:
            return _empty_owner_table(stage)
        rows = rows.loc[rows["year"] == int(year)]
        capacity = rows.set_index("plant_id")["capacity"].astype(float)
    else:
        rows = rows.loc[(rows["iso3"] == within) & (rows["scope"] != "company")]
        if year is None:
            year = int(rows["year"].dropna().max()) if rows["year"].notna().any() else None
        if year is None:
            return _empty_owner_table(stage)
        capacity = _step_capacity(rows, int(year), statuses)
    split = nationality_split(owners.loc[owners["plant_id"].isin(capacity.index)])
    split = split.assign(capacity=split["plant_id"].map(capacity) * split["share"])
    operators = rows.drop_duplicates("plant_id").set_index("plant_id")["operator"]
    by = split.groupby("owner_iso3", sort=True).agg(
        capacity=("capacity", "sum"),
        companies=("plant_id", lambda s: ", ".join(sorted({str(operators.get(p, p))
                                                            for p in s}))))
    listed = float(by["capacity"].sum())
    world, world_source = (None, "")
    if within is None:
        world, world_source = _world_capacity(dataset, stage, int(year))
    denominator = world if world else listed
    if world and world > listed:
        by.loc["not listed"] = [world - listed, "companies without a total in the data"]
        notes.append(f"{world - listed:,.1f} {STAGE_UNITS[stage]} of the world capacity "
                     f"({(world - listed) / world:.0%}) is held by companies without a "
                     "company total in minerals/midstream_plants.csv (e.g. BYD): not attributed")
    elif within is None:
        notes.append("no world capacity total held for the year: shares are of the listed "
                     "companies only")
    by["share"] = by["capacity"] / denominator if denominator else np.nan
    named = by.drop(index=[i for i in ("not listed", "unattributed") if i in by.index])
    # without a world total the listed companies are not the world: no world HHI
    hhi = float((named["share"] ** 2).sum()) * scale if within is not None or world \
        else np.nan
    out = by.reset_index().sort_values(["capacity", "owner_iso3"], ascending=[False, True],
                                       ignore_index=True, kind="stable")
    out = out[["owner_iso3", "capacity", "share", "companies"]]
    out.attrs.update({"year": int(year), "unit": STAGE_UNITS[stage],
                      "denominator": denominator, "world_total": world,
                      "world_source": world_source,
                      "coverage": listed / denominator if denominator else np.nan,
                      "hhi": hhi, "notes": notes,
                      "sources": sorted(set(rows["source"].astype(str)))})
    return out


def _empty_owner_table(stage: str) -> pd.DataFrame:
    out = pd.DataFrame(columns=["owner_iso3", "capacity", "share", "companies"])
    out.attrs.update({"unit": STAGE_UNITS[stage], "notes": [], "sources": []})
    return out


def _world_capacity(dataset: Dataset, stage: str, year: int) -> tuple[float | None, str]:
    """World capacity of a stage in a year from the published share tables (else None)."""
    if "midstream_shares" not in dataset.table_names:
        return None, ""
    mid = dataset.midstream_shares
    rows = mid.loc[(mid["stage"] == stage) & (mid["variant"] == "all")
                   & (mid["measure"] == "capacity") & (mid["year"] == year)
                   & mid["world_total"].notna()]
    if rows.empty:
        return None, ""
    return float(rows["world_total"].iloc[0]), str(rows["source"].iloc[0])


def anode_type_split(dataset: Dataset) -> pd.DataFrame:
    """Natural vs synthetic graphite in anode material, where a source publishes it.

    Returns ``iso3, year, measure, natural, synthetic, other, source, quality``;
    ``attrs['gap']`` names what is not held (every country but those listed).

    Examples
    --------
    >>> from scrisk import load_dataset
    >>> t = anode_type_split(load_dataset())  # doctest: +SKIP
    >>> float(t.loc[t["iso3"] == "CHN", "synthetic"].iloc[0])  # doctest: +SKIP
    0.84
    """
    if "midstream_anode_types" not in dataset.table_names or dataset.midstream_anode_types.empty:
        out = pd.DataFrame(columns=["iso3", "year", "measure", "natural", "synthetic", "other",
                                    "source", "quality"])
        out.attrs["gap"] = ANODE_GAP.format(held="none")
        return out
    types = dataset.midstream_anode_types
    wide = types.pivot_table(index=["iso3", "year", "measure"], columns="anode_type",
                             values="share", aggfunc="sum").reset_index()
    for col in ("natural", "synthetic", "other"):
        if col not in wide:
            wide[col] = np.nan
    meta = types.groupby(["iso3", "year", "measure"], as_index=False).agg(
        source=("source", "first"),
        quality=("quality", lambda s: ", ".join(sorted(set(s)))))
    out = wide.merge(meta, on=["iso3", "year", "measure"])[
        ["iso3", "year", "measure", "natural", "synthetic", "other", "source", "quality"]]
    out.columns.name = None
    out.attrs["gap"] = ANODE_GAP.format(held=", ".join(sorted(set(out["iso3"]))))
    return out


ANODE_GAP = ("natural/synthetic split of anode material held only for: {held}; no citable "
             "country split was found for the other producers (Japan, Korea, others): a data "
             "gap, the anode stage is treated as one product")
