"""Parquet files joined byte for byte (the parts' bodies copied behind one another under one
footer), written from numpy columns as plain pages, and those pages read back with numpy.

A Parquet file is ``PAR1``, a body (the row groups' pages, then any bloom filters and page
indexes), a footer (the ``FileMetaData`` struct in the Thrift compact protocol), the footer's
length (4 bytes, little-endian) and ``PAR1``. Every position the footer gives is an absolute file
offset into the body, so the parts' bodies can be written one after the other unchanged: each part's
row groups keep their bytes, and their offsets move by where the body now starts minus 4. This
takes no decoding of a single page, where DuckDB's ``COPY`` re-reads and re-encodes every value.
Bloom filters and column indexes hold no file offsets and stay valid where they move; an offset
index does (its page locations), so a part with one is refused, as are encrypted parts and column
chunks kept in another file. (DuckDB 2.0.1 writes no offset index, even with ``WRITE_PAGE_INDEX``.)

The field numbers are those of the Apache parquet-format ``parquet.thrift``
(github.com/apache/parquet-format, src/main/thrift/parquet.thrift, read at commit 24102ed5):
``FileMetaData`` 2 schema, 3 num_rows, 4 row_groups, 7 column_orders, 8 encryption_algorithm;
``RowGroup`` 1 columns, 5 file_offset, 7 ordinal (i16); ``ColumnChunk`` 1 file_path, 2 file_offset,
3 meta_data, 4 offset_index_offset, 6 column_index_offset, 8 crypto_metadata, 9
encrypted_column_metadata; ``ColumnMetaData`` 9 data_page_offset, 10 index_page_offset, 11
dictionary_page_offset, 14 bloom_filter_offset.

:func:`decode` and :func:`encode` are a small generic codec of the compact protocol that keeps
every field it does not know, in its order, so that ``encode(decode(footer)) == footer``: it
accepts only the canonical form the Apache Thrift libraries write (shortest varints, the short
field header whenever the id step allows it, the short list header under 15 elements) and raises
:class:`ValueError` on anything else, which :func:`merge` then refuses. Given a shape, it decodes
only the containers the merge edits and keeps the others (the schema, the statistics) as their
bytes: the schema and column orders are then compared byte for byte.
"""

from __future__ import annotations

import os
import struct as _struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "Field",
    "Raw",
    "Shape",
    "Struct",
    "append_plain",
    "decode",
    "encode",
    "field",
    "finish_plain",
    "merge",
    "plain_layout",
    "read_chunk",
    "read_footer",
    "start_plain",
    "write_plain",
]

# compact protocol type ids (the low nibble of a field header, or of a list's element type)
STOP = 0
TRUE = 1  # a bool field's value is its header's type: 1 true, 2 false
FALSE = 2
BYTE = 3
I16 = 4
I32 = 5
I64 = 6
DOUBLE = 7
BINARY = 8
LIST = 9
SET = 10
MAP = 11
STRUCT = 12

#: A struct: its fields in the order they were read, each ``(field id, compact type, value)``.
#: Values: int (byte, i16, i32, i64), bool, float, bytes, :class:`Struct`, a list or set as
#: ``(element type, [values])``, a map as ``(key type, value type, [(key, value)])``.
Field = tuple[int, int, Any]
Struct = list[Field]


class Raw(bytes):
    """A struct, list, set or map left undecoded: its bytes as read, written back as they are."""


#: Which fields :func:`decode` opens: field id to the shape of that struct's (or its list's
#: structs') fields; the containers of a field not named stay :class:`Raw`.
Shape = dict[int, "Shape"]

MAGIC = b"PAR1"
ENCRYPTED_MAGIC = b"PARE"
#: Bytes per read when a part's body is copied (bounded memory whatever the part's size).
COPY_BYTES = 4 * 2**20


class _Reader:
    """The compact protocol read from ``data`` at ``pos``."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def varint(self) -> int:
        data = self.data
        pos = self.pos
        b = data[pos]
        if b < 0x80:  # most values: one byte
            self.pos = pos + 1
            return b
        out, end = _size(data, pos)
        if end - pos > 10:
            raise ValueError("a Thrift varint longer than 10 bytes")
        if data[end - 1] == 0:  # a padded varint would not be written back to the same bytes
            raise ValueError("a Thrift varint with a redundant trailing byte")
        self.pos = end
        return out

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def value(self, ctype: int) -> Any:
        if ctype in (I16, I32, I64):
            return self.zigzag()
        if ctype == BINARY:
            n = self.varint()
            start = self.pos
            self.pos = start + n
            if self.pos > len(self.data):
                raise ValueError("a Thrift binary runs past the end of the footer")
            return bytes(self.data[start : self.pos])
        if ctype == STRUCT:
            return self.struct()
        if ctype in (LIST, SET):
            etype, n = self.list_header()
            return (etype, [self.element(etype) for _ in range(n)])
        if ctype == MAP:
            n = self.varint()
            if n == 0:
                return (0, 0, [])
            kv = self.data[self.pos]
            self.pos += 1
            kt, vt = kv >> 4, kv & 0x0F
            return (kt, vt, [(self.element(kt), self.element(vt)) for _ in range(n)])
        if ctype == BYTE:
            b = self.data[self.pos]
            self.pos += 1
            return b - 256 if b > 127 else b
        if ctype == DOUBLE:
            (x,) = _struct.unpack_from("<d", self.data, self.pos)
            self.pos += 8
            return x
        raise ValueError(f"unknown Thrift compact type {ctype}")

    def element(self, ctype: int) -> Any:
        """A list's, set's or map's element: a bool is a byte of its own there."""
        if ctype in (TRUE, FALSE):
            b = self.data[self.pos]
            self.pos += 1
            if b not in (TRUE, FALSE):
                raise ValueError(f"a Thrift bool element written as {b}")
            return b == TRUE
        return self.value(ctype)

    def struct(self, shape: Shape | None = None) -> Struct:
        """A struct; with ``shape``, only the fields it names are decoded below this level."""
        fields: Struct = []
        last = 0
        data = self.data
        while True:
            head = data[self.pos]
            self.pos += 1
            if head == STOP:
                return fields
            ctype = head & 0x0F
            delta = head >> 4
            if delta:
                fid = last + delta
            else:
                fid = self.zigzag()
                if 0 < fid - last <= 15:
                    raise ValueError("a Thrift field header in the long form where the short one fits")
            last = fid
            if ctype in (TRUE, FALSE):
                fields.append((fid, ctype, ctype == TRUE))
            elif ctype in (I32, I64):  # the most common values, read here rather than in two calls
                n = data[self.pos]
                self.pos += 1
                if n >= 0x80:
                    n &= 0x7F
                    shift = 7
                    while True:
                        b = data[self.pos]
                        self.pos += 1
                        n |= (b & 0x7F) << shift
                        shift += 7
                        if b < 0x80:
                            break
                        if shift > 63:
                            raise ValueError("a Thrift varint longer than 10 bytes")
                    if b == 0:
                        raise ValueError("a Thrift varint with a redundant trailing byte")
                fields.append((fid, ctype, (n >> 1) ^ -(n & 1)))
            elif shape is None or ctype < LIST:
                fields.append((fid, ctype, self.value(ctype)))
            elif fid not in shape:  # left as its bytes, copied back verbatim
                start = self.pos
                self.pos = _skip(data, start, ctype)
                fields.append((fid, ctype, Raw(data[start : self.pos])))
            elif ctype == STRUCT:
                fields.append((fid, ctype, self.struct(shape[fid])))
            elif ctype == LIST and data[self.pos] & 0x0F == STRUCT:  # a list of structs, each shaped
                etype, n = self.list_header()
                fields.append((fid, ctype, (etype, [self.struct(shape[fid]) for _ in range(n)])))
            else:
                fields.append((fid, ctype, self.value(ctype)))

    def list_header(self) -> tuple[int, int]:
        """A list's or set's (element type, size)."""
        head = self.data[self.pos]
        self.pos += 1
        n = head >> 4
        if n == 15:
            n = self.varint()
            if n < 15:
                raise ValueError("a Thrift list of fewer than 15 elements with the long header")
        return head & 0x0F, n


def _size(data: bytes, pos: int) -> tuple[int, int]:
    """The unsigned varint at ``pos`` (a binary's or a container's size) and where it ends."""
    n = shift = 0
    while True:
        b = data[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, pos


def _skip(data: bytes, pos: int, ctype: int) -> int:
    """Where the value of type ``ctype`` at ``pos`` ends (read without building it: a quarter of
    the time :func:`decode` takes)."""
    if ctype in (I16, I32, I64):
        while data[pos] >= 0x80:
            pos += 1
        return pos + 1
    if ctype == STRUCT:
        while True:
            head = data[pos]
            pos += 1
            if head == STOP:
                return pos
            if not head >> 4:  # the long header: a zigzag field id follows
                while data[pos] >= 0x80:
                    pos += 1
                pos += 1
            ctype = head & 0x0F
            if ctype in (I32, I64, I16):  # the common fields skipped here, not in a call each
                while data[pos] >= 0x80:
                    pos += 1
                pos += 1
            elif ctype == BINARY:
                n, pos = _size(data, pos)
                pos += n
            elif ctype > FALSE:  # (a bool field has no value after its header)
                pos = _skip(data, pos, ctype)
    if ctype in (BINARY, LIST, SET, MAP):
        if ctype in (LIST, SET):
            head = data[pos]
            pos += 1
            etype = head & 0x0F
            n = head >> 4
        if ctype not in (LIST, SET) or n == 15:
            n, pos = _size(data, pos)
        if ctype == BINARY:
            return pos + n
        if ctype == MAP:
            if not n:
                return pos
            kt, etype = data[pos] >> 4, data[pos] & 0x0F
            pos += 1
            for _ in range(n):
                pos = _skip(data, pos, kt)
                pos = _skip(data, pos, etype)
            return pos
        if etype in (TRUE, FALSE, BYTE):  # one byte each
            return pos + n
        if etype in (I32, I64, I16):
            for _ in range(n):
                while data[pos] >= 0x80:
                    pos += 1
                pos += 1
            return pos
        for _ in range(n):
            pos = _skip(data, pos, etype)
        return pos
    if ctype in (TRUE, FALSE, BYTE):  # a container's bool or a byte
        return pos + 1
    if ctype == DOUBLE:
        return pos + 8
    raise ValueError(f"unknown Thrift compact type {ctype}")


def decode(data: bytes, shape: Shape | None = None) -> Struct:
    """The struct ``data`` holds (all of it: trailing bytes are an error).

    ``shape`` (field id to the shape of that field's struct, or of each struct of its list) decodes
    only the containers it names: every other struct, list, set or map is kept as :class:`Raw`
    bytes, which :func:`encode` writes back verbatim (:func:`merge` decodes the offsets alone)."""
    reader = _Reader(data)
    try:
        out = reader.struct(shape)
    except IndexError:
        raise ValueError("a Thrift struct runs past the end of the footer") from None
    if reader.pos != len(data):
        raise ValueError(f"{len(data) - reader.pos} bytes after the footer's struct")
    return out


def _varint(out: bytearray, n: int) -> None:
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _zigzag(out: bytearray, n: int) -> None:
    _varint(out, (n << 1) ^ (n >> 63))


def _value(out: bytearray, ctype: int, value: Any) -> None:
    if ctype in (I16, I32, I64):
        _zigzag(out, value)
    elif isinstance(value, Raw):
        out += value
    elif ctype == BINARY:
        _varint(out, len(value))
        out += value
    elif ctype == STRUCT:
        _struct_into(out, value)
    elif ctype in (LIST, SET):
        etype, items = value
        if len(items) < 15:
            out.append((len(items) << 4) | etype)
        else:
            out.append(0xF0 | etype)
            _varint(out, len(items))
        for item in items:
            _element(out, etype, item)
    elif ctype == MAP:
        kt, vt, pairs = value
        _varint(out, len(pairs))
        if pairs:
            out.append((kt << 4) | vt)
            for k, v in pairs:
                _element(out, kt, k)
                _element(out, vt, v)
    elif ctype == BYTE:
        out.append(value & 0xFF)
    elif ctype == DOUBLE:
        out += _struct.pack("<d", value)
    else:
        raise ValueError(f"unknown Thrift compact type {ctype}")


def _element(out: bytearray, ctype: int, value: Any) -> None:
    if ctype in (TRUE, FALSE):
        out.append(TRUE if value else FALSE)
    else:
        _value(out, ctype, value)


def _struct_into(out: bytearray, fields: Struct) -> None:
    last = 0
    for fid, ctype, value in fields:
        if ctype in (TRUE, FALSE):  # the value is the header's type
            ctype = TRUE if value else FALSE
        delta = fid - last
        if 0 < delta <= 15:
            out.append((delta << 4) | ctype)
        else:
            out.append(ctype)
            _zigzag(out, fid)
        last = fid
        if ctype in (I32, I64):  # the most common values, written here rather than in two calls
            n = (value << 1) ^ (value >> 63)
            while n >= 0x80:
                out.append((n & 0x7F) | 0x80)
                n >>= 7
            out.append(n)
        elif ctype not in (TRUE, FALSE):
            _value(out, ctype, value)
    out.append(STOP)


def encode(fields: Struct) -> bytes:
    """The compact protocol bytes of the struct ``fields`` (the inverse of :func:`decode`)."""
    out = bytearray()
    _struct_into(out, fields)
    return bytes(out)


def field(fields: Struct, fid: int) -> Any:
    """The value of field ``fid`` of a decoded struct (``None`` if it is not there)."""
    return _get(fields, fid)


def _get(fields: Struct, fid: int) -> Any:
    for f, _, value in fields:
        if f == fid:
            return value
    return None


def _has(fields: Struct, fid: int) -> bool:
    return any(f == fid for f, _, _ in fields)


def _set(fields: Struct, fid: int, value: Any) -> Struct:
    """``fields`` with field ``fid``'s value replaced (its type and place kept)."""
    return [(f, t, value if f == fid else v) for f, t, v in fields]


def read_footer(path: Path) -> tuple[int, bytes]:
    """``(where the footer starts, the footer's bytes)`` of the Parquet file ``path``; a file that
    is not a plain Parquet file is a :class:`ValueError`."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size < 12:
            raise ValueError(f"{path}: {size} bytes, too short for a Parquet file")
        head = f.read(4)
        f.seek(size - 8)
        tail = f.read(8)
        if ENCRYPTED_MAGIC in (head, tail[4:]):
            raise ValueError(f"{path}: an encrypted Parquet footer (PARE), which cannot be merged")
        if head != MAGIC or tail[4:] != MAGIC:
            raise ValueError(f"{path}: no PAR1 magic at the start and end; not a Parquet file")
        length = int.from_bytes(tail[:4], "little")
        start = size - 8 - length
        if start < 4:
            raise ValueError(f"{path}: a footer of {length} bytes does not fit in {size}")
        f.seek(start)
        return start, f.read(length)


def _required(fields: Struct, fid: int, ctype: int, where: str) -> Any:
    """The value of field ``fid``, which must be there with the type ``ctype``."""
    for f, t, value in fields:
        if f == fid and t == ctype:
            return value
    raise ValueError(f"{where}: no field {fid} of type {ctype} in the footer; not a Parquet footer")


def _structs(value: tuple[int, list[Any]], where: str) -> list[Struct]:
    """The elements of a list of structs."""
    if value[0] != STRUCT:
        raise ValueError(f"{where}: a list of type {value[0]} where the footer holds structs")
    return value[1]


def _move(offset: int, by: int, end: int, where: str) -> int:
    """The absolute file position ``offset``, in a part's body (4 to ``end``), moved ``by`` bytes."""
    if not 0 < offset < end:
        raise ValueError(f"{where}: an offset {offset} outside the body (4 to {end})")
    return offset + by


def _moved(fields: Struct, offsets: frozenset[int], by: int, end: int, where: str) -> Struct:
    """``fields`` with each of ``offsets`` (i64 absolute file positions) moved ``by`` bytes. A 0
    stays 0: DuckDB writes ColumnChunk.file_offset 0 for "not given", and no offset points at the
    magic."""
    return [
        (fid, ctype, _move(value, by, end, where) if fid in offsets and ctype == I64 and value else value)
        for fid, ctype, value in fields
    ]


#: What :func:`merge` decodes of a footer: FileMetaData.row_groups, their columns and each
#: column's meta_data, down to its offsets; the schema, statistics, encodings and every other
#: container stay :class:`Raw` (0.17 CPU-s instead of 0.4 for the footers of 200,000 variants).
FOOTER_SHAPE: Shape = {4: {1: {3: {}}}}
#: The offsets of a ColumnChunk (file_offset, column_index_offset) and of its ColumnMetaData
#: (data_page_offset, index_page_offset, dictionary_page_offset, bloom_filter_offset).
_CHUNK_OFFSETS = frozenset((2, 6))
#: The offset of a RowGroup (file_offset).
_GROUP_OFFSETS = frozenset((5,))
_META_OFFSETS = frozenset((9, 10, 11, 14))
#: ColumnChunk fields that refuse a merge: file_path (the chunk is in another file), an offset
#: index (its page locations, in the body, hold absolute offsets a merge would leave unmoved),
#: crypto_metadata and encrypted_column_metadata.
_CHUNK_REFUSED = {
    1: "a column chunk in another file (file_path)",
    4: "an offset index (its page locations would need moving too)",
    8: "an encrypted column chunk",
    9: "an encrypted column chunk",
}


def _moved_row_group(group: Struct, by: int, end: int, where: str) -> Struct:
    """A row group whose part's body now starts ``by`` bytes later (the part's body ends at ``end``)."""
    out: Struct = []
    for fid, ctype, value in _moved(group, _GROUP_OFFSETS, by, end, where):
        if fid == 1 and ctype == LIST:
            columns = []
            for chunk in _structs(value, where):
                for cf, _, _ in chunk:
                    if cf in _CHUNK_REFUSED:
                        raise ValueError(f"{where}: {_CHUNK_REFUSED[cf]}, which cannot be merged")
                columns.append(
                    [
                        (cf, ct, _moved(cv, _META_OFFSETS, by, end, where) if cf == 3 and ct == STRUCT else cv)
                        for cf, ct, cv in _moved(chunk, _CHUNK_OFFSETS, by, end, where)
                    ]
                )
            value = (value[0], columns)
        out.append((fid, ctype, value))
    return out


def merge(parts: Sequence[Path], target: Path) -> int:
    """Write ``target``: the Parquet ``parts`` in order, their row groups' bytes copied unchanged
    under one footer (the first part's, with the rows summed and every part's row groups); the rows
    written. Parts whose schema or column orders differ from the first's, or that are not plain
    Parquet (a bad magic, encryption, a column chunk in another file, an offset index) are a
    :class:`ValueError`, raised before ``target`` is opened."""
    if not parts:
        raise ValueError("no parts to merge")
    footers = [read_footer(Path(p)) for p in parts]
    first = decode(footers[0][1], FOOTER_SHAPE)
    groups: list[Struct] = []
    rows = 0
    position = 4  # where the next part's body starts in target
    for k, (path, (start, footer)) in enumerate(zip(parts, footers, strict=True)):
        meta = first if k == 0 else decode(footer, FOOTER_SHAPE)
        for fid, what in ((2, "schema"), (7, "column orders")):
            if _get(meta, fid) != _get(first, fid):
                raise ValueError(f"{path}: another {what} than {parts[0]}'s; the parts cannot be merged")
        if _has(meta, 8) or _has(meta, 9):
            raise ValueError(f"{path}: an encrypted file (encryption_algorithm), which cannot be merged")
        rows += _required(meta, 3, I64, str(path))
        found = _required(meta, 4, LIST, str(path))
        groups.extend(_moved_row_group(g, position - 4, start, str(path)) for g in _structs(found, str(path)))
        position += start - 4
    if any(_has(g, 7) for g in groups):
        if len(groups) > 2**15:
            raise ValueError(f"{len(groups)} row groups, more than RowGroup.ordinal (i16) numbers")
        groups = [_set(g, 7, i) for i, g in enumerate(groups)]
    footer = encode(_set(_set(first, 3, rows), 4, (STRUCT, groups)))
    with open(target, "wb") as out:
        out.write(MAGIC)
        out.flush()
        for path, (start, _) in zip(parts, footers, strict=True):
            with open(path, "rb") as f:
                _copy(f, out, 4, start - 4)
        out.write(footer)
        out.write(len(footer).to_bytes(4, "little"))
        out.write(MAGIC)
    return rows


def _copy(src: BinaryIO, dst: BinaryIO, offset: int, count: int) -> None:
    """``count`` bytes of ``src`` from ``offset`` appended to ``dst`` (flushed, at its end):
    in the kernel where it can (``copy_file_range``, 0.3 CPU-s for 350 MB where reads and writes
    of 4 MB took 0.43), else :data:`COPY_BYTES` at a time."""
    copy_range = getattr(os, "copy_file_range", None)
    done = 0
    if copy_range is not None:
        try:
            while done < count:
                n = copy_range(src.fileno(), dst.fileno(), count - done, offset + done)
                if not n:
                    break
                done += n
        except OSError:  # another file system or kernel (EXDEV, ENOSYS, EINVAL): read and write
            pass
        dst.seek(0, os.SEEK_END)  # the kernel moved the file's end, not the buffered writer's position
    src.seek(offset + done)
    buffer = memoryview(bytearray(min(COPY_BYTES, max(count - done, 1))))
    while done < count:
        n = src.readinto(buffer[: min(count - done, len(buffer))])
        if not n:
            raise ValueError(f"{src.name}: shorter than its footer says")
        dst.write(buffer[:n])
        done += n
    dst.flush()


# --- writing: whole numpy columns as one plain, uncompressed Parquet file ---------------------
#
# parquet.thrift field numbers used below (the same file and commit as above): ``FileMetaData`` 1
# version, 2 schema, 3 num_rows, 4 row_groups, 6 created_by, 7 column_orders; ``SchemaElement`` 1
# type, 3 repetition_type (1 OPTIONAL), 4 name, 5 num_children; ``RowGroup`` 1 columns, 2
# total_byte_size, 3 num_rows, 5 file_offset, 6 total_compressed_size; ``ColumnChunk`` 2
# file_offset, 3 meta_data; ``ColumnMetaData`` 1 type, 2 encodings, 3 path_in_schema, 4 codec (0
# UNCOMPRESSED), 5 num_values, 6 total_uncompressed_size, 7 total_compressed_size, 9
# data_page_offset, 12 statistics (``Statistics`` 3 null_count); ``PageHeader`` 1 type (0
# DATA_PAGE), 2 uncompressed_page_size, 3 compressed_page_size, 5 data_page_header
# (``DataPageHeader`` 1 num_values, 2 encoding (0 PLAIN), 3 definition_level_encoding and 4
# repetition_level_encoding (3 RLE)). Physical types: 2 INT64, 5 DOUBLE, 6 BYTE_ARRAY.

_INT64, _DOUBLE, _BYTE_ARRAY = 2, 5, 6
_OPTIONAL = 1
_PLAIN, _RLE = 0, 3


def write_plain(target: Path, columns: dict[str, Any], schema: Struct, row_group_size: int, created_by: str) -> int:
    """Write ``columns`` (1-D numpy arrays of one length, in order) to ``target`` as Parquet: one
    PLAIN, uncompressed data page per column and row group, a NaN float or a ``None`` as NULL;
    the rows written.

    ``schema`` is a ``FileMetaData``'s schema list (field 2) for these columns, e.g. one DuckDB
    wrote for the first rows: its column types are kept, so that the file reads back as DuckDB's
    own would. Every column must be OPTIONAL, and float64 for DOUBLE, int64 for INT64, text or
    ``None`` (an object array) or a numpy text array for BYTE_ARRAY; anything else is a
    :class:`ValueError` raised before ``target`` is opened. No statistics but null counts are
    written (nothing a reader could prune wrongly by).
    """
    names, kinds, n = _checked(columns, schema)
    with open(target, "wb") as out:
        out.write(MAGIC)
        groups = _write_groups(out, len(MAGIC), columns, names, kinds, n, row_group_size)
        _write_footer(out, schema, n, groups, created_by)
    return n


def start_plain(target: Path) -> None:
    """A new Parquet file that :func:`append_plain` adds row groups to and :func:`finish_plain` ends."""
    with open(target, "wb") as out:
        out.write(MAGIC)


def append_plain(
    target: Path, columns: dict[str, Any], schema: Struct, row_group_size: int
) -> tuple[int, list[Struct]]:
    """Append ``columns`` as :func:`write_plain` writes them to the body of ``target`` (begun by
    :func:`start_plain`); the rows and their row groups, for :func:`finish_plain`.

    The append holds an exclusive ``flock`` on ``target`` (where the platform has one) until the
    file is closed, its buffer flushed, so that processes on this machine may append to one file,
    each its row groups in one piece: the footer lists the row groups in whatever order it is
    given, wherever they lie in the body. Columns the schema does not take are a
    :class:`ValueError` raised before anything is written; a failure while writing cuts the file
    back to where the append began (bytes a failing disk still takes at the close lie past every
    row group, where no footer points)."""
    names, kinds, n = _checked(columns, schema)
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux: one writer (the forked engine is Linux's)
        fcntl = None
    with open(target, "ab") as out:  # closing it lets go of the lock
        if fcntl is not None:
            fcntl.flock(out.fileno(), fcntl.LOCK_EX)
        position = os.fstat(out.fileno()).st_size
        try:
            groups = _write_groups(out, position, columns, names, kinds, n, row_group_size)
            out.flush()
        except BaseException:
            try:
                out.flush()  # what was buffered, then cut back
            except OSError:
                pass
            os.ftruncate(out.fileno(), position)
            raise
    return n, groups


def finish_plain(target: Path, schema: Struct, rows: int, groups: list[Struct], created_by: str) -> None:
    """End ``target`` (begun by :func:`start_plain`) with the footer of ``rows`` rows in ``groups``, in this order."""
    if len(groups) > 2**15:
        raise ValueError(f"{len(groups)} row groups, more than a reader's RowGroup.ordinal (i16) numbers")
    with open(target, "ab") as out:
        _write_footer(out, schema, rows, groups, created_by)


def _checked(columns: dict[str, Any], schema: Struct) -> tuple[list[str], list[int], int]:
    """The columns' names, their Parquet physical types under ``schema``, and their length;
    columns the schema does not take are a :class:`ValueError`."""
    import numpy as np  # here: merging parts needs no numpy

    etype, elements = schema
    names = list(columns)
    if etype != STRUCT or len(elements) != len(names) + 1 or _get(elements[0], 5) != len(names):
        raise ValueError("the schema does not list these columns")
    kinds = []
    for name, element in zip(names, elements[1:], strict=True):
        if _get(element, 4) != name.encode() or _get(element, 3) != _OPTIONAL or _has(element, 5):
            raise ValueError(f"column {name!r}: not an OPTIONAL leaf of that name in the schema")
        kind, x = _get(element, 1), columns[name]
        wanted = {_DOUBLE: "f8", _INT64: "i8", _BYTE_ARRAY: "O"}.get(kind)
        text = kind == _BYTE_ARRAY and x.dtype.kind == "U"  # numpy text: taken as its strings
        if wanted is None or (x.dtype != np.dtype(wanted) and not text) or x.ndim != 1:
            raise ValueError(f"column {name!r}: {x.dtype} against Parquet type {kind}")
        kinds.append(kind)
    n = len(columns[names[0]]) if names else 0
    if any(len(columns[c]) != n for c in names):
        raise ValueError("columns of different lengths")
    return names, kinds, n


def _write_groups(
    out: BinaryIO,
    position: int,
    columns: dict[str, Any],
    names: list[str],
    kinds: list[int],
    n: int,
    row_group_size: int,
) -> list[Struct]:
    """Write the columns' row groups to ``out`` from file position ``position``; their footer entries."""
    import numpy as np

    size = max(1, int(row_group_size))
    groups: list[Struct] = []
    for start in range(0, n, size):
        rows = min(size, n - start)
        chunks: list[Struct] = []
        first = position
        for name, kind in zip(names, kinds, strict=True):
            levels, values, nulls = _page(columns[name][start : start + rows], kind, np)
            page = len(levels) + values.nbytes
            if page >= 2**31:
                raise ValueError(f"column {name!r}: a page over 2 GiB (lower the rows per row group)")
            header = encode(
                [
                    (1, I32, 0),
                    (2, I32, page),
                    (3, I32, page),
                    (5, STRUCT, [(1, I32, rows), (2, I32, _PLAIN), (3, I32, _RLE), (4, I32, _RLE)]),
                ]
            )
            out.write(header)
            out.write(levels)
            out.write(values)
            written = len(header) + page
            meta: Struct = [
                (1, I32, kind),
                (2, LIST, (I32, [_PLAIN, _RLE])),
                (3, LIST, (BINARY, [name.encode()])),
                (4, I32, 0),
                (5, I64, rows),
                (6, I64, written),
                (7, I64, written),
                (9, I64, position),
                (12, STRUCT, [(3, I64, nulls)]),
            ]
            chunks.append([(2, I64, position), (3, STRUCT, meta)])
            position += written
        groups.append(
            [
                (1, LIST, (STRUCT, chunks)),
                (2, I64, position - first),
                (3, I64, rows),
                (5, I64, first),
                (6, I64, position - first),
            ]
        )
    return groups


def _write_footer(out: BinaryIO, schema: Struct, rows: int, groups: list[Struct], created_by: str) -> None:
    columns = len(schema[1]) - 1
    footer = encode(
        [
            (1, I32, 1),
            (2, LIST, schema),
            (3, I64, rows),
            (4, LIST, (STRUCT, groups)),
            (6, BINARY, created_by.encode()),
            (7, LIST, (STRUCT, [[(1, STRUCT, [])] for _ in range(columns)])),  # TypeDefinedOrder for each
        ]
    )
    out.write(footer)
    out.write(len(footer).to_bytes(4, "little"))
    out.write(MAGIC)


def _page(x: Any, kind: int, np: Any) -> tuple[bytes, Any, int]:
    """A data page: its definition levels (length-prefixed), its values that are not NULL (a
    buffer), and its NULL count. Text is a :class:`ValueError` unless every value is a ``str`` or
    ``None``."""
    if kind == _BYTE_ARRAY:
        values, valid = _texts(x, np)
    else:
        valid = ~np.isnan(x) if kind == _DOUBLE else None
        whole = valid is None or bool(valid.all())
        values = memoryview(np.ascontiguousarray(x if whole else x[valid])).cast("B")
        valid = None if whole else valid
    nulls = 0 if valid is None else len(x) - int(np.count_nonzero(valid))
    levels = bytearray()
    # the RLE / bit-packing hybrid at bit width 1: one repeated run of 1s, or bit-packed runs of 8
    if nulls == 0:
        _varint(levels, len(x) << 1)
        levels.append(1)
    else:
        _varint(levels, ((len(x) + 7) // 8) << 1 | 1)
        levels += np.packbits(valid, bitorder="little").tobytes()
    return len(levels).to_bytes(4, "little") + bytes(levels), values, nulls


#: Most distinct texts a column may hold for :func:`_texts` to lay out by code (one pass per text).
_FEW_TEXTS = 16


def _texts(x: Any, np: Any) -> tuple[Any, Any]:
    """PLAIN BYTE_ARRAY values of a text column's texts (each a 4-byte little-endian length,
    then its UTF-8 bytes), and which values are not ``None`` (``None``: all are). A sweep's text
    columns hold a few distinct values (binding constraints, grid values): each distinct text's
    record is encoded once and laid out by code (:func:`_few_texts`); a column of many distinct
    texts is built from one joined string instead. A numpy text array (``str`` dtype, a grid
    axis of text) has no NULL."""
    if x.dtype.kind == "U":
        x = x.astype(object)
    valid = np.asarray(np.not_equal(x, None), dtype=bool)  # (a text is never equal to None)
    present = x[valid]
    mask = None if valid.all() else valid
    texts = present.tolist()
    try:
        distinct = set(texts)
    except TypeError:  # an unhashable value: not text
        raise ValueError("a text column holds values other than text and None") from None
    if not all(isinstance(t, str) for t in distinct):
        raise ValueError("a text column holds values other than text and None")
    if len(distinct) <= _FEW_TEXTS:
        return _few_texts(present, list(distinct), np), mask
    joined = "".join(texts)
    if joined.isascii():
        data = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    else:
        encoded = [t.encode("utf-8") for t in texts]
        data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    if (lengths >= 2**31).any():
        raise ValueError("a text longer than Parquet's 2**31 bytes")
    starts = np.arange(len(texts), dtype=np.int64) * 4 + np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.empty(4 * len(texts) + len(data), dtype=np.uint8)
    is_data = np.ones(len(out), dtype=bool)
    for k in range(4):  # each length's four bytes, least significant first
        out[starts + k] = (lengths >> (8 * k)) & 0xFF
        is_data[starts + k] = False
    out[is_data] = data
    return memoryview(out), mask


def _few_texts(texts: Any, distinct: list[str], np: Any) -> Any:
    """The records of ``texts`` (an object array of these ``distinct`` texts) in order: each
    text's code found with one comparison pass per distinct text, then each value's record taken
    from a table of the records, padded to one width, and its padding dropped."""
    if not distinct:
        return memoryview(b"")
    if any("\x00" in t for t in distinct):  # numpy's comparison with a text drops its trailing NULs
        index = {t: c for c, t in enumerate(distinct)}
        codes = np.fromiter((index[t] for t in texts), dtype=np.intp, count=len(texts))
    else:
        codes = np.zeros(len(texts), dtype=np.intp)
        for c, t in enumerate(distinct[1:], start=1):
            codes[texts == t] = c
    records = [_record(t) for t in distinct]
    sizes = np.asarray([len(r) for r in records])
    table = np.zeros((len(records), int(sizes.max())), dtype=np.uint8)
    for c, r in enumerate(records):
        table[c, : len(r)] = np.frombuffer(r, dtype=np.uint8)
    used = np.arange(table.shape[1]) < sizes[:, None]
    return memoryview(table[codes][used[codes]])  # row by row: each record's bytes in order


def _record(text: str) -> bytes:
    """One PLAIN BYTE_ARRAY value: the UTF-8 bytes' length (4 bytes, little-endian), then the bytes."""
    data = text.encode("utf-8")
    if len(data) >= 2**31:
        raise ValueError("a text longer than Parquet's 2**31 bytes")
    return len(data).to_bytes(4, "little") + data


# --- reading: numeric columns of plain, uncompressed pages, as write_plain writes them --------
#
# The same parquet.thrift fields as above, read back: ``FileMetaData`` 2 schema (``SchemaElement``
# 4 name, 5 num_children), 4 row_groups (``RowGroup`` 1 columns, 3 num_rows); ``ColumnChunk`` 1
# file_path, 3 meta_data (``ColumnMetaData`` 1 type, 4 codec, 5 num_values, 7
# total_compressed_size, 9 data_page_offset, 11 dictionary_page_offset); ``PageHeader`` 1 type, 2
# uncompressed_page_size, 3 compressed_page_size, 5 data_page_header (``DataPageHeader`` 1
# num_values, 2 encoding, 3 definition_level_encoding).

#: What :func:`plain_layout` decodes of a footer: the schema's elements and the row groups' column
#: chunks down to their meta data (whose lists and statistics stay :class:`Raw`).
LAYOUT_SHAPE: Shape = {2: {}, 4: {1: {3: {}}}}


def plain_layout(path: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """The columns of the flat Parquet file ``path`` that :func:`read_chunk` may read: each
    DOUBLE or INT64 column whose every chunk is uncompressed and has no dictionary, as its row
    groups' ``(physical type, rows, the chunk's first byte, the chunk's bytes)``. Other columns
    (text, compressed, dictionary-encoded) are left out; a file that is not flat Parquet (nested
    columns, chunks in other files, offsets outside the body) is a :class:`ValueError`."""
    where = str(path)
    start, footer = read_footer(path)
    meta = decode(footer, LAYOUT_SHAPE)
    schema = _structs(_required(meta, 2, LIST, where), where)
    if not schema or _get(schema[0], 5) != len(schema) - 1 or any(_has(e, 5) for e in schema[1:]):
        raise ValueError(f"{where}: not a flat schema")
    names = [bytes(_required(e, 4, BINARY, where)).decode("utf-8", "replace") for e in schema[1:]]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: two columns of one name")
    found: dict[str, list[tuple[int, int, int, int]]] = {name: [] for name in names}
    usable = set(names)
    for group in _structs(_required(meta, 4, LIST, where), where):
        rows = _required(group, 3, I64, where)
        chunks = _structs(_required(group, 1, LIST, where), where)
        if len(chunks) != len(names):
            raise ValueError(f"{where}: a row group of {len(chunks)} columns for {len(names)} in the schema")
        for name, chunk in zip(names, chunks, strict=True):
            if _has(chunk, 1):
                raise ValueError(f"{where}: a column chunk in another file (file_path)")
            m = _get(chunk, 3)
            kind = None if m is None else _get(m, 1)
            if m is None or kind not in (_DOUBLE, _INT64) or _get(m, 4) != 0 or _has(m, 11):
                usable.discard(name)
                continue
            offset, size = _required(m, 9, I64, where), _required(m, 7, I64, where)
            if _required(m, 5, I64, where) != rows or not 4 <= offset < offset + size <= start:
                raise ValueError(f"{where}: column {name!r}: a chunk outside the body or of other rows")
            found[name].append((kind, rows, offset, size))
    return {name: found[name] for name in names if name in usable}


def read_chunk(f: BinaryIO, kind: int, rows: int, offset: int, size: int, out: Any) -> None:
    """Fill ``out`` (a float64 array of ``rows``) with one column chunk of an open Parquet file
    (an entry of :func:`plain_layout`): NaN for NULL, an INT64 value rounded to the nearest
    float64 (as DuckDB's ``CAST(... AS DOUBLE)``). A chunk that is not one PLAIN data page with
    RLE definition levels, as :func:`write_plain` writes, is a :class:`ValueError`."""
    import numpy as np

    f.seek(offset)
    data = f.read(size)
    if len(data) != size:
        raise ValueError(f"{f.name}: shorter than its footer says")
    reader = _Reader(data)
    try:
        header = reader.struct()
    except IndexError:
        raise ValueError(f"{f.name}: a page header runs past its column chunk") from None
    begin = reader.pos
    page = _get(header, 3)
    levels_header = _get(header, 5)
    if (
        _get(header, 1) != 0
        or page is None
        or _get(header, 2) != page
        or begin + page != size
        or not isinstance(levels_header, list)
        or _get(levels_header, 1) != rows
        or _get(levels_header, 2) != _PLAIN
        or _get(levels_header, 3) != _RLE
        or page < 4
    ):
        raise ValueError(f"{f.name}: a column chunk that is not one plain data page")
    length = int.from_bytes(data[begin : begin + 4], "little")
    values = begin + 4 + length
    if values > size:
        raise ValueError(f"{f.name}: definition levels past their page")
    valid = _levels(data[begin + 4 : values], rows)
    count = rows if valid is None else int(np.count_nonzero(valid))
    if size - values != 8 * count:
        raise ValueError(f"{f.name}: {size - values} bytes of values for {count}")
    x = np.frombuffer(data, dtype="<f8" if kind == _DOUBLE else "<i8", count=count, offset=values)
    if valid is None:
        out[:] = x
    else:
        out[:] = np.nan
        out[valid] = x


def _levels(data: bytes, rows: int) -> Any:
    """Definition levels at bit width 1 (the RLE / bit-packing hybrid): which of ``rows`` values
    are not NULL as a bool array, or ``None`` when all are. Each run takes at least one byte of
    ``data``, so the loop ends."""
    import numpy as np

    runs: list[Any] = []
    got = pos = 0
    while got < rows:
        if pos >= len(data):
            raise ValueError("definition levels end before their values")
        try:
            header, pos = _size(data, pos)
        except IndexError:
            raise ValueError("a run header past the definition levels") from None
        count = header >> 1
        left = rows - got
        if count == 0 or count > (-(-left // 8) if header & 1 else left):
            raise ValueError(f"a run of definition levels of {count} for {left} values left")
        if header & 1:  # bit-packed: count groups of 8 values, a byte each
            if pos + count > len(data):
                raise ValueError("bit-packed definition levels past their page")
            bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8, count=count, offset=pos), bitorder="little")
            runs.append(bits.astype(bool))
            pos += count
            got += 8 * count
        else:  # a run of one level, in one byte
            if pos >= len(data) or data[pos] > 1:
                raise ValueError("a run of definition levels other than 0 or 1")
            runs.append(np.full(count, bool(data[pos])))
            pos += 1
            got += count
    valid = runs[0][:rows] if len(runs) == 1 else np.concatenate(runs)[:rows]
    return None if valid.all() else valid
