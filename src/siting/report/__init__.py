"""Presentation of an outcome's figures: the self-contained HTML report (``html``, with its
inline SVG in ``svg``) and the terminal summary (``text``). Renders strings; writing files is
:mod:`siting.io.outputs`."""
