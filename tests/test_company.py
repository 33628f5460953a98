"""A company's own supply mix: known answers on the tiny dataset, bad files, CLI, templates.

The known answers are those of docs/methods.md ("A company's supply mix"),
worked out by hand on tests/tiny.py (copper and cobalt, 2022).
"""

from __future__ import annotations

import pytest
from cli_runner import run_cli

from scrisk.exceptions import DataValidationError
from scrisk.metrics.company import (
    CompanyOptions,
    company_risk,
    read_procurement,
    template_path,
)

HEADER = "company,commodity,stage,supplier_country,supplier_facility,quantity,unit,year,note\n"
GOOD = HEADER + """\
Alpha,copper,mining,CHL,CU-CHL-A,60,t,2022,
Alpha,copper,mining,AUS,,30,t,2022,
Alpha,copper,mining,China,,10,t,2022,
Alpha,cobalt,refining,FIN,,10,t,2022,
Beta,copper,mining,CHL,,100,t,2022,
Beta,コバルト,製錬,中国,,8,t,2022,Japanese names are accepted
Gamma,copper,mining,AUS,,0.05,kt,2022,
Gamma,cobalt,refining,FIN,,5,t,2022,
Gamma,cobalt,refining,CHN,,5,t,2022,
"""
CHILE_BAN = """\
name = "Chile stops copper concentrate exports"
importer = "JPN"
year = 2022

[[shocks]]
id = "chl-ban"
kind = "export_ban"
country = "CHL"
commodity = "copper"
stage = "mining"
size = 1.0
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("company")
    (folder / "good.csv").write_text(GOOD, encoding="utf-8")
    (folder / "chile_ban.toml").write_text(CHILE_BAN, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def risk(tiny_ds, files):
    return company_risk(tiny_ds, files / "good.csv",
                        CompanyOptions(scenarios=(files / "chile_ban.toml",)))


def _row(risk, company, commodity):
    table = risk.table
    return table.loc[(table["company"] == company) & (table["commodity"] == commodity)].iloc[0]


def _origins(risk, company, commodity):
    o = risk.origins
    o = o.loc[(o["company"] == company) & (o["commodity"] == commodity)]
    return dict(zip(o["origin"], o["tonnes"], strict=True))


def test_concentration_and_import_risk_by_hand(risk):
    alpha = _row(risk, "Alpha", "copper")
    assert alpha["quantity_t"] == pytest.approx(100.0)
    assert alpha["hhi"] == pytest.approx(0.46)          # 0.6^2 + 0.3^2 + 0.1^2
    assert alpha["import_risk"] == pytest.approx(0.45)  # (0.5*60 + 0.3*30 + 0.6*10) / 100
    assert alpha["world_hhi"] == pytest.approx(0.46)
    assert alpha["score"] == pytest.approx(0.46 * 0.45)
    gamma = _row(risk, "Gamma", "cobalt")
    assert gamma["hhi"] == pytest.approx(0.5)
    assert gamma["import_risk"] == pytest.approx(0.35)  # (0.1*5 + 0.6*5) / 10
    assert _row(risk, "Gamma", "copper")["quantity_t"] == pytest.approx(50.0)  # 0.05 kt


def test_mined_origins_through_the_network(risk):
    # China's 30 t to Japan carry 20 t Chinese and 10 t Chilean ore
    assert _origins(risk, "Alpha", "copper") == pytest.approx(
        {"CHL": 60 + 10 / 3, "AUS": 30.0, "CHN": 20 / 3})
    # Finland ships 30 t from a 20 t pool: a third of each shipment is unattributed
    assert _origins(risk, "Alpha", "cobalt") == pytest.approx(
        {"AUS": 20 / 3, "unattributed": 10 / 3})
    assert _row(risk, "Alpha", "cobalt")["origin_gap_share"] == pytest.approx(1 / 3)
    # China refines 80 t from 50 t of its own ore: 5/8 Chinese, 3/8 untraced
    assert _origins(risk, "Beta", "cobalt") == pytest.approx({"CHN": 5.0, "untraced:CHN": 3.0})


def test_scenario_losses_by_hand(risk):
    losses = risk.losses.set_index(["company", "commodity"])
    # Chile's ban: Alpha loses its 60 t from Chile and the Chilean third of its 10 t from
    # China (China's shipments fall with its pool; docs/methods.md, disruption engine)
    assert losses.loc[("Alpha", "copper"), "loss_t"] == pytest.approx(60 + 10 / 3)
    assert losses.loc[("Beta", "copper"), "loss_share"] == pytest.approx(1.0)
    assert losses.loc[("Gamma", "copper"), "loss_t"] == pytest.approx(0.0, abs=1e-9)
    assert losses.loc[("Gamma", "cobalt"), "loss_t"] == 0.0  # the ban is on copper only
    assert set(losses["scenario"]) == {"chile_ban"}


def test_three_companies_two_commodities(risk):
    assert len(risk.table) == 6
    assert set(risk.table["company"]) == {"Alpha", "Beta", "Gamma"}
    assert set(risk.table["commodity"]) == {"copper", "cobalt"}


def test_home_purchases_are_domestic(tiny_ds, files):
    chile = company_risk(tiny_ds, files / "good.csv", CompanyOptions(home="CHL"))
    assert _row(chile, "Beta", "copper")["import_risk"] == 0.0


def test_the_file_is_not_written(tiny_ds, files):
    before = (files / "good.csv").read_bytes()
    company_risk(tiny_ds, files / "good.csv")
    assert (files / "good.csv").read_bytes() == before


# ----------------------------------------------------------------- bad files

BAD = HEADER + """\
Alpha,coppr,mining,CHL,,60,t,2022,
Alpha,copper,smelting,CHL,,60,t,2022,
Alpha,copper,mining,Chilee,,60,t,2022,
Alpha,copper,mining,AUS,,-5,t,2022,
Alpha,copper,mining,AUS,,five,t,2022,
Alpha,copper,mining,CHN,,5,wmt,2022,
Alpha,copper,mining,CHN,,5,t,1999,
,copper,mining,CHN,,5,t,2022,
Beta,copper,mining,CHL,NO-SUCH-MINE,5,t,2022,
Beta,copper,mining,AUS,CU-CHL-A,5,t,2022,
Beta,copper,mining,CHL,,5,t,2022,
Beta,copper,mining,CHL,,6,t,2022,
"""


def _failures(tiny_ds, tmp_path, text, name="bad.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    with pytest.raises(DataValidationError) as info:
        read_procurement(path, tiny_ds)
    return {(f.row, f.column): f for f in info.value.failures}


def test_every_problem_is_reported_with_line_column_value_and_expected(tiny_ds, tmp_path):
    found = _failures(tiny_ds, tmp_path, BAD)
    expect = {
        (2, "commodity"): ("coppr", "copper"),
        (3, "stage"): ("smelting", "mining"),
        (4, "supplier_country"): ("Chilee", "known country"),
        (5, "quantity"): ("-5", ">= 0"),
        (6, "quantity"): ("five", "a number"),
        (7, "unit"): ("wmt", "contained"),
        (8, "year"): ("1999", "2022"),
        (9, "company"): (None, "a value"),
        (10, "supplier_facility"): ("NO-SUCH-MINE", "facilities.csv"),
        (11, "supplier_facility"): ("CU-CHL-A", "a facility in AUS"),
        (13, "company,commodity,stage,supplier_country,supplier_facility,year"):
            (None, "unique key"),
    }
    for key, (value, expected) in expect.items():
        assert key in found, (key, sorted(found, key=str))
        failure = found[key]
        if value is not None:
            assert failure.value == value
        assert expected in failure.expected, (key, failure.expected)
        assert failure.file == "bad.csv"


def test_missing_column_and_unreadable_file(tiny_ds, tmp_path):
    found = _failures(tiny_ds, tmp_path, "company,commodity,stage,quantity,year\nA,copper,"
                      "mining,5,2022\n", "no_columns.csv")
    assert {c for _, c in found} >= {"supplier_country", "unit"}
    found = _failures(tiny_ds, tmp_path, HEADER + "Ａｌｐｈａ,copper,mining,CHL,,5,t,2022,\n",
                      "shift_jis.csv", encoding="shift_jis")
    assert any("readable" in f.expected for f in found.values())


def test_cli_reads_the_template_and_fails_cleanly_on_a_bad_file(monkeypatch, capsys, tmp_path,
                                                                 tiny_ds):
    code, out, err = run_cli(monkeypatch, capsys, "company", str(template_path("ja")),
                             "--format", "csv")
    assert code == 0 and "例示電池株式会社" in out and "import_risk" in out
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD, encoding="utf-8")
    code, out, err = run_cli(monkeypatch, capsys, "company", str(bad))
    assert code != 0 and "Traceback" not in err
    assert "bad.csv, line 4, column 'supplier_country'" in " ".join(err.split())


def test_templates_agree(shipped):
    en = read_procurement(template_path("en"), shipped)
    ja = read_procurement(template_path("ja"), shipped)
    columns = ["commodity", "stage", "supplier_country", "supplier_facility", "quantity_t",
               "year"]
    assert en[columns].to_dict("list") == ja[columns].to_dict("list")


def test_report_has_a_company_section_in_both_languages(tiny_ds, files):
    from scrisk.report import tables
    from scrisk.report.render import render_html

    data = tables.report_data(tiny_ds, "JPN", sections=("provenance",),
                              company=files / "good.csv")
    assert data.company is not None and len(data.company.table) == 6
    english, _, _ = render_html(data, tiny_ds, "en", interactive=False)
    japanese, _, _ = render_html(data, tiny_ds, "ja", interactive=False)
    assert "Companies&#39; own supply mix" in english and "Gamma" in english
    assert "企業別の調達構成" in japanese and "調達先HHI" in japanese
