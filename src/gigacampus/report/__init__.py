"""Renderers: terminal tables and files. They format results; they never compute them."""

from gigacampus.report.files import write_run
from gigacampus.report.terminal import catalog_table, run_table

__all__ = ["catalog_table", "run_table", "write_run"]
