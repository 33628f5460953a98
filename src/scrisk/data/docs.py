"""Render the schemas of :mod:`scrisk.data.schemas` as Markdown (``docs/data.md``).

The schemas are the single source of truth; a test checks that the
committed ``docs/data.md`` matches what this module renders.
"""

from __future__ import annotations

from scrisk.data.schemas import MASS_MAX_T, SCHEMAS, Column

HEADER = """# scrisk data files

Every file is validated at load time against the schema below
(`src/scrisk/data/schemas.py`); `scrisk data validate [--data DIR]` lists
every problem with file, line, column, value and what was expected.
Sources, editions and licences of the shipped files are in
[`data/README.md`](../data/README.md).

Country columns (kind `iso3`) accept ISO3 codes or names ("Rep. of Korea",
"Korea, Republic of", "KOR"); they are normalised to ISO3 at load.

A folder passed as `--data DIR` (or `load_dataset(overlay=DIR)`) may hold
any of these files under the same relative path: such a file *replaces*
the shipped one. A file named with `.extra` before the extension (e.g.
`suppliers/candidates.extra.csv`) *adds* its rows to the shipped table.

Rules across files: every `commodity` is in `minerals/commodities.csv`;
every `facility_id` of `suppliers/ownership.csv` is in
`suppliers/facilities.csv`; equity and offtake shares of one facility add up
to at most 1; chemistry shares of one battery scenario and route shares of
one origin region add up to 1; every chokepoint of a route exists; every
origin region of `geo/sea_regions.csv` has routes; production and
processing shares use one unit per commodity and stage, and mining
production uses the commodity's `mining_unit`; a candidate's output is in
contained tonnes of its commodity (`t`, `t metal`, `t contained`, the
commodity's `contained_unit` such as `t Cu`, or `t LCE` / `t Li2O` for
lithium), never a gross weight such as `t ore` or `t concentrate`.

## Validation rules for every file

- **Numbers.** `.` is the decimal mark. A comma is read only as a thousands
  separator between complete groups of three digits (`1,234,567`,
  `12,345.5`); any other comma (`36,0`, `1,5`, `1,23,456`, `1.234,5`) is an
  error naming the value, never guessed. Only ASCII digits; `inf`, `nan` and
  numbers that overflow (`1e400`) are errors.
- **Physical bounds.** A mass (columns marked "at most 1e+10 t per row"
  below) is at most 1e10 t in one row, read in the row's `unit` (`t`, `kt`,
  `Mt`, `kg`, `g`, `lb`; any other unit word counts as tonnes): world
  iron-ore output, the largest mass any table could hold, is about 2.5e9 t a
  year (USGS, Mineral Commodity Summaries 2024). Trade values are at most
  1e9 thousand USD per flow, candidate costs at most 1e6 oku yen (100
  trillion yen); any other number without its own range has magnitude at
  most 1e15.
- **Structure.** Each column name appears once in a file (after trimming
  blanks); a required table has at least one data row (a header-only file is
  an error; an optional table may be header-only, which empties it, and a
  `.extra` file may be header-only, which adds nothing).
- **No flow from a country to itself** in `minerals/trade.parquet` or
  `minerals/feed_trade.csv`.
- **Governance coverage.** `minerals/governance.csv` holds values for every
  year of `minerals/trade.parquet` (a year missing would give every partner
  the missing-value weight). A country without a value in a year it trades
  (small territories in the shipped data) is a fallback: GeoPolRisk gives it
  the missing-value weight.
- **Sea-route coverage.** Every origin region of `geo/sea_regions.csv` has
  routes in `geo/sea_routes.csv`, and every country that ships to Japan in
  the trade tables has an origin region, so that a chokepoint closure never
  silently loses nothing.
- **Bounded reports.** One problem in one column lists its first 100 rows and
  counts the rest in one more line; error messages show the first 50
  problems and count the rest (`scrisk data validate` lists them all).

Scenario and other structured files (TOML, YAML) are read with limits:
at most 1 MB, nesting at most 32 deep, no YAML aliases (`*name`), no key
given twice in one mapping, safe YAML only (no `!!python` tags); a scenario
lists at most 10,000 shocks and at most 1,000 entries in any other list
(see `docs/scenarios.md`).
"""


def _describe(col: Column) -> str:
    parts = [col.expected()]
    if col.mass:
        parts.append(f"at most {MASS_MAX_T:.0e} t per row")
    if col.unit:
        parts.append(f"unit: {col.unit}")
    if col.description:
        parts.append(col.description)
    return "; ".join(parts)


def render() -> str:
    """Markdown text of every schema.

    Examples
    --------
    >>> "## minerals/production.csv" in render()
    True
    """
    lines = [HEADER]
    for schema in SCHEMAS.values():
        lines.append(f"## {schema.path}\n")
        lines.append(f"{schema.description} Key: `{', '.join(schema.key)}`. "
                     f"{'Required.' if schema.required else 'Optional.'}\n")
        lines.append("| column | kind | required | may be empty | valid values |")
        lines.append("|---|---|---|---|---|")
        for col in schema.columns:
            lines.append(f"| `{col.name}` | {col.kind} | {'yes' if col.required else 'no'} | "
                         f"{'yes' if col.nullable else 'no'} | {_describe(col)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
