"""Shock kinds of disruption scenarios: one module per kind, one registry.

:data:`SHOCK_KINDS` maps each ``kind`` of a scenario file to its
:class:`~scrisk.disruption.shocks.base.ShockKind`, in the order below (the
order kinds are listed to users). To add a kind, write one module here that
subclasses ``ShockKind`` and calls ``register``, and add its import below;
``docs/architecture.md`` ("Shock kinds") says what a kind provides.

Examples
--------
>>> from scrisk.disruption.shocks import SHOCK_KINDS
>>> SHOCK_KINDS["export_quota"].required
('country', 'commodity', 'stage', 'size')
"""

from __future__ import annotations

# isort: off
# Each import registers one kind; this order is the order kinds are listed in messages.
from scrisk.disruption.shocks import export_ban  # noqa: F401
from scrisk.disruption.shocks import export_quota  # noqa: F401
from scrisk.disruption.shocks import production_cut  # noqa: F401
from scrisk.disruption.shocks import facility_outage  # noqa: F401
from scrisk.disruption.shocks import sea_lane_closure  # noqa: F401
from scrisk.disruption.shocks import demand_shock  # noqa: F401
from scrisk.disruption.shocks import trade_link  # noqa: F401
# isort: on
from scrisk.disruption.shocks.base import (
    SHOCK_KINDS,
    CheckContext,
    CompileContext,
    ShockKind,
    key_checks,
    register,
)

__all__ = ["SHOCK_KINDS", "CheckContext", "CompileContext", "ShockKind", "key_checks",
           "register"]
