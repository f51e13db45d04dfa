"""Classical location models (LSCP, LSCP-B, MCLP, p-median, p-center, p-dispersion, CFLP, CPMP) on the
siting solver layer.

Each model has ``from_cost_matrix(...)`` / ``from_geodataframe(...)`` constructors named as in
PySAL spopt and a ``solve(options)`` returning a frozen result with the solver-neutral
status / objective / bound / gap / seconds plus the location outputs.
"""

from __future__ import annotations

from siting.classical._common import LocationResult, SiteIndices
from siting.classical.backup import LSCPB, BackupCoverageResult
from siting.classical.cflp import CFLP, CFLPResult
from siting.classical.covering import LSCP, MCLP, CoverageResult
from siting.classical.cpmp import CPMP, CPMPResult
from siting.classical.dispersion import PDispersion, PDispersionResult
from siting.classical.pcenter import PCenter, PCenterResult
from siting.classical.pmedian import PMedian, PMedianResult

__all__ = [
    "CFLP", "LSCPB", "BackupCoverageResult", "CFLPResult", "CPMP", "CPMPResult", "CoverageResult", "LSCP",
    "LocationResult", "MCLP", "PCenter", "PCenterResult", "PDispersion", "PDispersionResult", "PMedian",
    "PMedianResult", "SiteIndices",
]
