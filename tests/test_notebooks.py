"""The notebooks run top to bottom with nbclient, and each .ipynb matches its .py twin.

The notebooks are jupytext py:percent files (the source of truth) paired with .ipynb
copies. The test registers a ``python3`` kernel for the running interpreter in a temporary
Jupyter path, so the notebooks use the same environment (and scrisk) as the tests.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ("01_explore_supply_chain", "02_disruption_scenario", "03_portfolio", "04_demand_paths")
CHARTS = {"01_explore_supply_chain": 5, "02_disruption_scenario": 2}  # charts each must show

jupytext = pytest.importorskip("jupytext", reason="pip install -e .[dev] (jupytext)")
nbclient = pytest.importorskip("nbclient", reason="pip install -e .[dev] (nbclient)")
pytest.importorskip("ipykernel", reason="pip install -e .[dev] (ipykernel)")


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A ``python3`` kernel spec for this interpreter, first on the Jupyter path."""
    from ipykernel.kernelspec import install

    prefix = tmp_path_factory.mktemp("jupyter")
    install(kernel_name="python3", prefix=str(prefix))
    share = prefix / "share" / "jupyter"
    keys = ("JUPYTER_PATH", "MPLBACKEND", "PYDEVD_DISABLE_FILE_VALIDATION")
    old = {k: os.environ.get(k) for k in keys}
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(share)] + ([old["JUPYTER_PATH"]] if old["JUPYTER_PATH"] else []))
    os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend shows the charts
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    assert Path(spec.argv[0]).resolve() == Path(sys.executable).resolve()
    yield "python3"
    for key, value in old.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.mark.parametrize("name", NAMES)
def test_ipynb_matches_its_py_twin(name):
    py = jupytext.read(NOTEBOOKS / f"{name}.py")
    ipynb = jupytext.read(NOTEBOOKS / f"{name}.ipynb")
    sources = [(c.cell_type, c.source) for c in py.cells]
    assert sources == [(c.cell_type, c.source) for c in ipynb.cells], (
        f"notebooks/{name}.ipynb is out of date: run "
        f"jupytext --sync notebooks/{name}.py")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name, kernel):
    notebook = jupytext.read(NOTEBOOKS / f"{name}.py")
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name=kernel,
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
    # every cell that draws a chart (it ends with ``ax.figure``) shows it as an image
    chart_cells = [c for c in notebook.cells if c.cell_type == "code"
                   and c.source.rstrip().endswith("ax.figure")]
    if name not in CHARTS:  # other notebooks: at least one image
        assert any("image/png" in o.get("data", {}) for c in notebook.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))
        return
    for cell in chart_cells:
        images = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"{name}: chart cell shows no image:\n{cell.source}"
    assert len(chart_cells) >= CHARTS.get(name, 1)


def test_notebooks_use_the_public_api_only():
    for name in NAMES:
        text = (NOTEBOOKS / f"{name}.py").read_text(encoding="utf-8")
        for line in text.splitlines():
            if line.startswith(("import ", "from ")):
                assert "._" not in line and " _" not in line, line
