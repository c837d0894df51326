"""A large sweep written straight into one file (parquet.start_plain, append_plain, finish_plain;
store.append_part, finish_body): chunks appended in any order, by several processes, read back
in the footer's order; a failed append leaves the file as it was; a chunk the schema refuses is
joined by DuckDB in variant order."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from gigacampus.sweep import forked, parquet, store


def _chunk(a: int, b: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    v = np.arange(a, b)
    inputs = {"site.pue": 1.1 + v / 1e6, "choice": np.asarray(["x" if i % 3 else None for i in v], dtype=object)}
    outputs = {"accelerators": np.stack([v * 10.0, np.where(v % 5 == 0, np.nan, v * 20.0)], axis=1)}
    return inputs, outputs


YEARS = [2030, 2031]
CHUNKS = [(0, 0, 700), (1, 700, 1000), (2, 1000, 2500), (3, 2500, 2503)]


def _schema(tmp: Path) -> object:
    head = store.part_columns(np.arange(0, 700), *_chunk(0, 700), YEARS)
    schema = store.plain_schema(tmp / "variants.parquet", {c: x[: store.SCHEMA_ROWS] for c, x in head.items()})
    assert schema is not None
    return schema


def _whole(tmp: Path) -> list[tuple]:
    """The same rows written by DuckDB from all the chunks' columns at once."""
    ins, outs = _chunk(0, 2503)
    store.write_columns(tmp / "whole.parquet", store.part_columns(np.arange(2503), ins, outs, YEARS))
    return duckdb.sql(f"SELECT * FROM '{tmp / 'whole.parquet'}'").fetchall()


def _written(tmp: Path, order: list[int], workers: int = 1) -> Path:
    schema = _schema(tmp)
    body, target = tmp / "body.parquet", tmp / "variants.parquet"
    parquet.start_plain(body)
    results: list[tuple[int, object]] = [(0, None)] * len(CHUNKS)
    fallbacks = [tmp / f"part-{i}.parquet" for i, _, _ in CHUNKS]

    def work(k: int) -> tuple[int, object]:
        i, a, b = CHUNKS[k]
        return store.append_part(body, schema, np.arange(a, b), *_chunk(a, b), YEARS, fallbacks[i])

    def done(j: int, got: tuple[int, object]) -> None:
        results[order[j]] = got

    if workers > 1:
        forked.run(work, order, workers, done)
    else:
        for j, k in enumerate(order):
            done(j, work(k))
    assert store.finish_body(body, target, schema, results, fallbacks) == 2503
    assert not body.exists() and not any(f.exists() for f in fallbacks)
    return target


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 1, 0, 2]])
def test_chunks_appended_in_any_order_read_back_in_variant_order(tmp_path: Path, order: list[int]) -> None:
    target = _written(tmp_path, order)
    got = duckdb.sql(f"SELECT * FROM '{target}'").fetchall()
    assert got == _whole(tmp_path)
    # the body holds them in the order they came; the footer lists them in variant order
    starts = [offset for _, _, offset, _ in parquet.plain_layout(target)["variant"]]
    assert (starts == sorted(starts)) == (order == sorted(order))
    read = store.column_reader([target])(["variant", "accelerators.2031"])
    assert read["variant"].tolist() == list(range(2503))


def test_processes_append_to_one_file_each_its_row_groups_in_one_piece(tmp_path: Path) -> None:
    if not forked.usable(2):
        pytest.fail("this test runs where the forked engine does (Linux, one thread)")
    target = _written(tmp_path, [2, 0, 3, 1], workers=2)
    assert duckdb.sql(f"SELECT * FROM '{target}'").fetchall() == _whole(tmp_path)


def test_a_failed_append_cuts_the_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    schema = _schema(tmp_path)
    body = tmp_path / "body.parquet"
    parquet.start_plain(body)
    n, groups = parquet.append_plain(body, store.part_columns(np.arange(0, 700), *_chunk(0, 700), YEARS), schema, 500)
    size = body.stat().st_size
    real = parquet._page
    calls = [0]

    def failing(x: object, kind: int, np_: object) -> object:
        calls[0] += 1
        if calls[0] > 3:  # after some pages were written
            raise OSError("disk full")
        return real(x, kind, np_)

    monkeypatch.setattr(parquet, "_page", failing)
    with pytest.raises(OSError, match="disk full"):
        parquet.append_plain(body, store.part_columns(np.arange(700, 1000), *_chunk(700, 1000), YEARS), schema, 500)
    assert body.stat().st_size == size
    monkeypatch.setattr(parquet, "_page", real)
    parquet.finish_plain(body, schema, n, groups, "test")
    assert duckdb.sql(f"SELECT count(*), max(variant) FROM '{body}'").fetchall() == [(700, 699)]


def test_a_chunk_the_schema_refuses_is_joined_by_duckdb_in_variant_order(tmp_path: Path) -> None:
    schema = _schema(tmp_path)
    body, target = tmp_path / "body.parquet", tmp_path / "variants.parquet"
    parquet.start_plain(body)
    fallbacks = [tmp_path / f"part-{i}.parquet" for i in range(2)]
    late = _chunk(700, 1000)
    late[0]["site.pue"] = np.round(late[0]["site.pue"]).astype(np.int64)  # another type than the schema's
    results = [
        store.append_part(body, schema, np.arange(700, 1000), *late, YEARS, fallbacks[1]),
        store.append_part(body, schema, np.arange(0, 700), *_chunk(0, 700), YEARS, fallbacks[0]),
    ][::-1]
    assert results[1][1] is None and fallbacks[1].exists()  # written on its own, by DuckDB
    assert store.finish_body(body, target, schema, results, fallbacks) == 1000
    got = duckdb.sql(f"SELECT variant, \"site.pue\" FROM '{target}'").fetchall()
    assert [v for v, _ in got] == list(range(1000))
    assert got[699][1] == pytest.approx(1.1 + 699 / 1e6) and got[700][1] == 1.0
