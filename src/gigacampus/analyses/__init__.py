"""Analyses: one folder per capability beside the core campus model.

Each folder holds its scenario section (``section.py``), its batched inputs, its pure maths and
one ``analysis.py`` exposing an :class:`~gigacampus.analyses.contract.Analysis` object; the
pipeline lists them in order (:data:`gigacampus.pipeline.ANALYSES`). See docs/architecture.md.
"""
