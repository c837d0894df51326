"""Sources in the catalog: no proxy, scrape mirror, social-media or exchange host.

The deny list holds hosts that once stood in for a primary source here (a proxy link to a
social-media profile, a ROT13 proxy of a blog, reposted copies of press articles, an exchange's
blog, small unrelated sites quoting Reuters) and hosts of the same kind. A row citing one fails.
"""

from __future__ import annotations

import csv
from urllib.parse import urlsplit

import pytest

from gigacampus.catalog.tables import data_path, schema

#: Hosts (and their subdomains) never accepted as a source.
DENIED_HOSTS = (
    "hdoplus.com",  # proxy_gol.php link to a social-media profile (training.goodput)
    "vuink.com",  # ROT13 proxy of blogs and news sites (training.bytes_per_parameter)
    "afnnews.qaasid.com",  # reposted copy of a press article (Ironwood pod power)
    "binance.com",  # exchange's blog and social feed
    "binance.bh",
    "gate.com",  # exchange's social feed
    "squidsite02.com",  # small site reposting Reuters (US-UAE deal)
    "gccfireandsecurity.com",  # unrelated trade site reposting news (US-UAE deal)
    "thedailyscout.com",  # news digest (DGX B300 power)
    "news.barelyhuman.xyz",  # mirror of a discussion forum
    "greaterwrong.com",  # mirror of a discussion forum
    "x.com",
    "twitter.com",
)


def denied(url: str) -> str | None:
    """The deny-list entry ``url``'s host matches (the host or a subdomain of it), else ``None``."""
    host = (urlsplit(url).hostname or "").lower()
    for entry in DENIED_HOSTS:
        if host == entry or host.endswith("." + entry):
            return entry
    return None


def _tables_with_sources() -> list[str]:
    return [t for t, cols in schema().items() if any(c.attribute == "source" for c in cols)]


def test_deny_list_matches_hosts_and_subdomains_only() -> None:
    assert denied("https://hdoplus.com/proxy_gol.php?url=x") == "hdoplus.com"
    assert denied("https://www.binance.bh/my-MM/square/post/1") == "binance.bh"
    assert denied("https://x.com/someone") == "x.com"
    assert denied("https://arxiv.org/abs/2407.21783") is None
    assert denied("https://notx.com/a") is None  # a suffix that is not a subdomain


@pytest.mark.parametrize("table", _tables_with_sources())
def test_no_source_on_the_deny_list(table: str) -> None:
    path = data_path(f"{table}.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    bad = [
        (next(iter(row.values())), url, denied(url))
        for row in rows
        for url in (s.strip() for s in row["source"].split(" ; "))
        if denied(url)
    ]
    assert not bad, f"{path.name}: sources on the deny list: {bad}"
