"""Render the schemas of :mod:`scrisk.data.schemas` as Markdown (``docs/data.md``).

The schemas are the single source of truth; a test checks that the
committed ``docs/data.md`` matches what this module renders.
"""

from __future__ import annotations

from scrisk.data.schemas import SCHEMAS, Column

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
production uses the commodity's `mining_unit`.
"""


def _describe(col: Column) -> str:
    parts = [col.expected()]
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
