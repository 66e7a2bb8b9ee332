"""vecguard.domains: the fast paths give the answers of the slow ones."""

from __future__ import annotations

import ipaddress

import pytest

from vecguard.domains import HostList, domain_name_part, is_ip


def _ipaddress_says(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("host", [
    "192.0.2.1", "10.0.0.256", "1.2.3", "1..2.3", "01.2.3.4", "", ".", "1.2.3.4.", " 192.0.2.1",
    "::1", "2001:db8::1", "2001:db8::g", "fe80::1%eth0", "::ffff:192.0.2.1",
    "example.com", "192.0.2.1.example.com", "1a.2.3.4", "٣.2.3.4", "mail01",
])
def test_is_ip_agrees_with_ipaddress(host: str) -> None:
    assert is_ip(host) == _ipaddress_says(host)


def test_host_list_matches_by_suffix_and_repeats_the_same_answer() -> None:
    hosts = HostList("t", ["sharepoint.com", ".example.org"])
    for _ in range(2):  # the second round comes from the cache
        assert hosts.match("acme.sharepoint.com") == "sharepoint.com"
        assert hosts.match("ACME.Example.org") == "example.org"
        assert hosts.match("sharepoint.com.evil.net") is None
        assert "x.example.org" in hosts
        assert 3 not in hosts


def test_domain_name_part() -> None:
    assert domain_name_part("harborlogistics.co.uk") == "harborlogistics"
    assert domain_name_part("192.0.2.1") == "192.0.2.1"
