"""Values every stage shares, and no machinery: the service catalogue and standard presets
(``catalogue``), planning settings (``settings``), solver options (``options``), solver-neutral
results (``results``), the input row schemas (``schema``) and the validated, frozen
:class:`~siting.core.instance.Instance` (``instance``). Nothing here reads a file but the
packaged catalogue data, builds a model or calls a solver."""
