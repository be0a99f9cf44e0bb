"""Backend selection: explicit names, --iptables=false, the distro table, probes, refusals."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plugnet.core.errors import Unavailable
from plugnet.firewall import probes, selection
from plugnet.firewall.selection import HostProbe, select_backend

#: Every library present and the kernel answering; the iptables command unknown,
#: so the distro table decides.
READY = HostProbe(
    iptables_variant="missing",
    libnftables=True,
    nftables_module=True,
    libiptc=True,
    iptc_module=True,
    kernel_nf_tables=True,
    kernel_ip_tables=True,
)


def host(os_id: str, version: str, **changes: object) -> HostProbe:
    return dataclasses.replace(READY, os_id=os_id, os_version=version, **changes)


DISTRO_ROWS = [
    ("debian", "12", "nftables"),
    ("debian", "11", "nftables"),
    ("debian", "10", "iptables"),
    ("ubuntu", "24.04", "nftables"),
    ("ubuntu", "22.04", "nftables"),
    ("ubuntu", "20.04", "iptables"),
    ("fedora", "40", "nftables"),
    ("rhel", "9.4", "nftables"),
    ("rhel", "7.9", "iptables"),
    ("centos", "8", "nftables"),
    ("centos", "7", "iptables"),
    ("rocky", "9.3", "nftables"),
    ("almalinux", "8.10", "nftables"),
    ("alpine", "3.20.1", "iptables"),
    ("amzn", "2", "iptables"),
    ("amzn", "2023", "nftables"),
    ("arch", "", "nftables"),
]


@pytest.mark.parametrize(("os_id", "version", "expected"), DISTRO_ROWS)
def test_distro_table_decides_when_the_iptables_command_says_nothing(os_id, version, expected):
    choice = select_backend("auto", iptables_enabled=True, probe=host(os_id, version))
    assert choice.name == expected
    assert f"{os_id} {version}".strip() in choice.reason
    assert choice.reason.startswith("auto: ")


def test_id_like_is_used_for_derivatives():
    probe = host("linuxmint", "21.3", os_like=("ubuntu", "debian"))
    # Mint's VERSION_ID is not Ubuntu's; it falls through to the older-release row.
    assert select_backend("auto", iptables_enabled=True, probe=probe).name == "iptables"
    probe = host("raspbian", "12", os_like=("debian",))
    assert select_backend("auto", iptables_enabled=True, probe=probe).name == "nftables"


def test_nf_tables_host_picks_nftables_even_on_an_iptables_distro():
    probe = host("alpine", "3.20", iptables_variant="nf_tables", iptables_evidence="x -> nft")
    choice = select_backend("auto", iptables_enabled=True, probe=probe)
    assert choice.name == "nftables"
    assert "nf_tables variant" in choice.reason and "host's tools win" in choice.reason


def test_legacy_host_picks_iptables():
    probe = host("debian", "12", iptables_variant="legacy", iptables_evidence="x -> legacy")
    assert select_backend("auto", iptables_enabled=True, probe=probe).name == "iptables"


def test_unknown_distro_uses_the_legacy_tables_in_use():
    probe = host("", "", legacy_tables=("filter", "nat"))
    choice = select_backend("auto", iptables_enabled=True, probe=probe)
    assert choice.name == "iptables" and "filter,nat" in choice.reason
    assert select_backend("auto", iptables_enabled=True, probe=host("", "")).name == "nftables"


def test_explicit_iptables_on_an_nf_tables_host_warns():
    probe = host("debian", "12", iptables_variant="nf_tables")
    choice = select_backend("iptables", iptables_enabled=True, probe=probe)
    assert choice.name == "iptables"
    assert choice.reason == "selected by --firewall-backend"
    assert len(choice.warnings) == 1 and "iptables-legacy-save" in choice.warnings[0]


def test_iptables_disabled_means_none_whatever_was_asked():
    for requested in ("auto", "nftables", "thirdparty"):
        choice = select_backend(requested, iptables_enabled=False, probe=READY)
        assert (choice.name, choice.reason) == ("none", "--iptables=false")


def test_none_and_third_party_names_are_returned_as_is_without_probing(monkeypatch):
    def boom() -> HostProbe:
        raise AssertionError("must not probe")

    monkeypatch.setattr(HostProbe, "detect", staticmethod(boom))
    assert select_backend("none", iptables_enabled=True).name == "none"
    choice = select_backend("firewalld", iptables_enabled=True)
    assert (choice.name, choice.reason) == ("firewalld", "selected by --firewall-backend")


def test_explicit_nftables_without_libnftables_is_refused_with_what_to_install():
    probe = host("debian", "12", libnftables=False)
    with pytest.raises(Unavailable) as info:
        select_backend("nftables", iptables_enabled=True, probe=probe)
    message = str(info.value)
    assert "libnftables" in message and "apt-get install libnftables1" in message


def test_explicit_nftables_without_kernel_support_is_refused():
    with pytest.raises(Unavailable, match="kernel does not answer nf_tables"):
        select_backend(
            "nftables", iptables_enabled=True, probe=host("x", "1", kernel_nf_tables=False)
        )


def test_explicit_iptables_without_python_iptables_is_refused():
    with pytest.raises(Unavailable, match="python3-iptables"):
        select_backend("iptables", iptables_enabled=True, probe=host("x", "1", iptc_module=False))


def test_auto_falls_back_with_a_warning_when_the_preferred_backend_cannot_work():
    probe = host("debian", "12", nftables_module=False)
    choice = select_backend("auto", iptables_enabled=True, probe=probe)
    assert choice.name == "iptables"
    assert "cannot work here" in choice.reason
    assert any("pip-nftables" in warning for warning in choice.warnings)


def test_auto_refuses_when_nothing_can_work():
    probe = host("debian", "12", libnftables=False, libiptc=False)
    with pytest.raises(Unavailable, match="cannot work either"):
        select_backend("auto", iptables_enabled=True, probe=probe)


def test_unknown_kernel_support_is_not_held_against_a_backend():
    probe = host("debian", "12", kernel_nf_tables=None)
    assert select_backend("auto", iptables_enabled=True, probe=probe).name == "nftables"


def test_os_release_parsing():
    text = 'ID=ubuntu\nID_LIKE="debian"\nVERSION_ID="22.04"\n# comment\nBROKEN\n'
    values = probes.parse_os_release(text)
    assert values == {"ID": "ubuntu", "ID_LIKE": "debian", "VERSION_ID": "22.04"}


def test_iptables_variant_from_the_symlink_target(tmp_path):
    nft = tmp_path / "xtables-nft-multi"
    nft.write_text("")
    link = tmp_path / "iptables"
    link.symlink_to(nft)
    assert probes.probe_iptables_variant(lambda _: str(link))[0] == "nf_tables"
    legacy = tmp_path / "xtables-legacy-multi"
    legacy.write_text("")
    link.unlink()
    link.symlink_to(legacy)
    assert probes.probe_iptables_variant(lambda _: str(link))[0] == "legacy"


@given(
    st.lists(st.integers(0, 3000), min_size=1, max_size=4),
    st.lists(st.integers(0, 3000), min_size=1, max_size=4),
)
def test_version_order_is_numeric(a, b):
    text_a, text_b = ".".join(map(str, a)), ".".join(map(str, b))
    assert selection._version_at_least(text_a, text_b) == (tuple(a) >= tuple(b))


@given(st.text(min_size=1, max_size=20).filter(lambda s: s not in ("auto", "iptables", "nftables")))
def test_any_other_name_is_passed_through(name):
    choice = select_backend(name, iptables_enabled=True, probe=READY)
    assert choice.name == name


@pytest.mark.kernel
def test_real_probe_on_this_machine_picks_nftables_and_says_why():
    probe = HostProbe.detect()
    choice = select_backend("auto", iptables_enabled=True, probe=probe)
    if probe.os_id != "debian" or probe.os_version != "12":
        pytest.skip(f"written for the Debian 12 development machine, this is {probe.describe_os()}")
    assert probe.iptables_variant == "nf_tables"
    assert choice.name == "nftables"
    assert "nf_tables variant" in choice.reason
    assert "debian 12 defaults to nftables" in choice.reason
    assert "libnftables loads" in choice.reason
    assert choice.warnings == ()
