"""The daemon flags: Docker 1.2's spellings, its validation order and exact messages."""

from ipaddress import IPv4Address, IPv4Interface

import pytest
from hypothesis import given
from hypothesis import strategies as st
from plugnet.core import messages
from plugnet.core.errors import InvalidConfig
from plugnet.core.flags import (
    DAEMON_FLAGS,
    FlagSpec,
    format_help,
    parse_bool,
    parse_daemon_flags,
    validate_interface_name,
)
from plugnet.core.intents import DaemonConfig


def parse(*argv, **kw):
    return parse_daemon_flags(list(argv), **kw).config


def error_of(*argv, **kw) -> str:
    with pytest.raises(InvalidConfig) as info:
        parse_daemon_flags(list(argv), **kw)
    assert info.value.exit_code == 2
    return str(info.value)


# -- the seed's table -----------------------------------------------------------------


def test_seed_docker_d_defaults_to_docker0_and_no_bip():
    config = parse()
    assert config == DaemonConfig()
    assert config.mode == "bridge"
    assert config.bridge_name == "docker0" and config.uses_default_bridge
    assert config.bip is None


def test_seed_b_equals_xxx_uses_that_bridge():
    config = parse("-b=xxx")
    assert config.bridge == "xxx" and config.mode == "bridge"
    assert not config.uses_default_bridge


def test_seed_bip_without_prefix_is_refused_like_parsecidr():
    # Docker 1.2 hands --bip to net.ParseCIDR, which needs the prefix.
    assert error_of("--bip=172.17.42.1") == (
        "invalid value '172.17.42.1' for --bip: no prefix length; give CIDR notation "
        "such as 172.17.42.1/16"
    )


def test_seed_bip_with_prefix_uses_docker0_with_that_address():
    config = parse("--bip=172.17.42.1/16")
    assert config.bip == IPv4Interface("172.17.42.1/16")
    assert config.bridge_name == "docker0"


def test_seed_bridge_with_bip_is_docker_error():
    assert error_of("--bridge=xxx", "--bip=10.0.42.1") == messages.BRIDGE_AND_BIP


def test_seed_bridge_none_disables_networking():
    config = parse("--bridge=none")
    assert config.mode == "none"


# -- spellings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["-b", "none"],
        ["-b=none"],
        ["--bridge", "none"],
        ["--bridge=none"],
        ['-b="none"'],
        ["-b='none'"],
    ],
)
def test_bridge_spellings(argv):
    assert parse(*argv).mode == "none"


@pytest.mark.parametrize(
    ("argv", "icc"),
    [
        (["--icc=false"], False),
        (["--icc", "false"], False),
        (["--icc", "0"], False),
        (["--icc=F"], False),
        (["--icc"], True),
        (["--icc", "true"], True),
        (["--icc=1"], True),
        (["--icc", "--ip-forward=false"], True),
    ],
)
def test_bool_spellings(argv, icc):
    assert parse(*argv).icc is icc


def test_every_flag_at_once():
    config = parse(
        "--bip=10.0.42.1/16",
        "--iptables=true",
        "--ip-forward=false",
        "--icc=false",
        "--ip",
        "127.0.0.1",
        "--mtu=9000",
        "--firewall-backend",
        "iptables",
        "--ipam=default",
    )
    assert config == DaemonConfig(
        bip=IPv4Interface("10.0.42.1/16"),
        iptables=True,
        ip_forward=False,
        icc=False,
        default_ip=IPv4Address("127.0.0.1"),
        mtu=9000,
        firewall_backend="iptables",
        ipam="default",
    )


@pytest.mark.parametrize(
    ("alias", "canonical", "value"),
    [
        ("-iptables", "--iptables", "true"),
        ("-icc", "--icc", "true"),
        ("-bip", "--bip", "10.1.42.1/16"),
        ("-ip", "--ip", "10.0.0.1"),
        ("-ip-forward", "--ip-forward", "true"),
        ("-mtu", "--mtu", "1400"),
    ],
)
def test_deprecated_single_dash_aliases_warn_as_mflag(alias, canonical, value):
    parsed = parse_daemon_flags([f"{alias}={value}"])
    assert parsed.warnings == (
        f"Warning: '{alias}' is deprecated, it will be replaced by '{canonical}' soon. See usage.",
    )
    assert parse_daemon_flags([f"{canonical}={value}"]).config == parsed.config


def test_last_occurrence_wins_as_in_go():
    assert parse("--mtu=1400", "--mtu=1500").mtu == 1500


# -- Docker's order and exclusions --------------------------------------------------------------


def test_b_none_with_bip_is_still_the_exclusion():
    assert error_of("-b", "none", "--bip=10.0.42.1/16") == messages.BRIDGE_AND_BIP


def test_iptables_false_with_icc_false():
    assert error_of("--iptables=false", "--icc=false") == messages.IPTABLES_AND_ICC
    assert error_of("--icc", "false", "-iptables", "0") == messages.IPTABLES_AND_ICC


def test_firewall_backend_none_with_icc_false_is_the_same_exclusion():
    assert error_of("--firewall-backend=none", "--icc=false") == messages.IPTABLES_AND_ICC


def test_value_parse_error_comes_before_exclusions():
    # Go fails inside flag.Parse, before the daemon looks at combinations.
    assert "--icc" in error_of("-b", "br0", "--bip=1.2.3.4/8", "--icc=maybe")
    assert "--mtu" in error_of("--iptables=false", "--icc=false", "--mtu=big")


def test_exclusion_comes_before_bip_validity():
    assert error_of("-b", "br0", "--bip=garbage") == messages.BRIDGE_AND_BIP
    assert error_of("--bip=10.0.0.0/8", "--iptables=false", "--icc=false") == (
        messages.IPTABLES_AND_ICC
    )


# -- bad values: one line naming the flag and the value ---------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--bip=10.0.0.0/16"],
            "invalid value '10.0.0.0/16' for --bip: 10.0.0.0 is the network address of "
            "10.0.0.0/16; give a host address such as 10.0.0.1/16",
        ),
        (
            ["--bip=10.0.255.255/16"],
            "invalid value '10.0.255.255/16' for --bip: 10.0.255.255 is the broadcast "
            "address of 10.0.0.0/16",
        ),
        (
            ["--bip=10.0.0.1/31"],
            "invalid value '10.0.0.1/31' for --bip: a /31 leaves no address for containers "
            "(use /30 or shorter)",
        ),
        (
            ["--bip=10.0.0.1/32"],
            "invalid value '10.0.0.1/32' for --bip: a /32 leaves no address for containers "
            "(use /30 or shorter)",
        ),
        (
            ["--bip=bogus/16"],
            "invalid value 'bogus/16' for --bip: not an IPv4 address in CIDR notation",
        ),
        (
            ["--bip=10.0.0.1/33"],
            "invalid value '10.0.0.1/33' for --bip: not an IPv4 address in CIDR notation",
        ),
        (
            ["--bip=127.0.0.1/8"],
            "invalid value '127.0.0.1/8' for --bip: 127.0.0.1 cannot be a bridge address "
            "(loopback, multicast or unspecified)",
        ),
        (["--ip=300.1.1.1"], "invalid value '300.1.1.1' for --ip: not an IPv4 address"),
        (["--ip", "::1"], "invalid value '::1' for --ip: not an IPv4 address"),
        (
            ["--ip=224.0.0.1"],
            "invalid value '224.0.0.1' for --ip: not a unicast address to bind ports on",
        ),
        (["--mtu=big"], "invalid value 'big' for --mtu: not an integer"),
        (
            ["--mtu=67"],
            "invalid value '67' for --mtu: must be 0 (automatic) or between 68 and 65535",
        ),
        (
            ["--mtu=65536"],
            "invalid value '65536' for --mtu: must be 0 (automatic) or between 68 and 65535",
        ),
        (
            ["--mtu=-1"],
            "invalid value '-1' for --mtu: must be 0 (automatic) or between 68 and 65535",
        ),
        (
            ["--icc=maybe"],
            "invalid boolean value 'maybe' for --icc: use true or false (or 1, 0, t, f)",
        ),
        (
            ["--iptables", "yes"],
            "invalid boolean value 'yes' for --iptables: use true or false (or 1, 0, t, f)",
        ),
        (["-b", "a" * 16], messages.INTERFACE_NAME_TOO_LONG.format(name="a" * 16)),
        (["-b="], "invalid value '' for -b/--bridge: empty interface name"),
        (
            ["-b", "br/0"],
            "invalid value 'br/0' for -b/--bridge: interface names cannot contain '/'",
        ),
        (
            ["-b", "br 0"],
            "invalid value 'br 0' for -b/--bridge: interface names cannot contain ' '",
        ),
        (
            ["-b", "br:0"],
            "invalid value 'br:0' for -b/--bridge: interface names cannot contain ':'",
        ),
        (["-b", ".."], "invalid value '..' for -b/--bridge: not an interface name"),
        (["-b", "."], "invalid value '.' for -b/--bridge: not an interface name"),
        (
            ["--firewall-backend=ip tables"],
            "invalid value 'ip tables' for --firewall-backend: not a plugin name "
            "(letters, digits, '.', '_' and '-')",
        ),
        (
            ["--ipam=../x"],
            "invalid value '../x' for --ipam: not a plugin name "
            "(letters, digits, '.', '_' and '-')",
        ),
        (["--bogus"], "flag provided but not defined: --bogus"),
        (["-bridge=br0"], "flag provided but not defined: -bridge"),
        (["-b"], "flag needs an argument: -b"),
        (["--bip", "--icc"], "flag needs an argument: --bip"),
        (["extra"], "unexpected argument 'extra': this command takes only flags"),
    ],
)
def test_bad_values(argv, message):
    assert error_of(*argv) == message


def test_fifteen_byte_names_are_fine():
    assert parse("-b", "a" * 15).bridge == "a" * 15


def test_unknown_backend_is_refused_with_the_installed_list():
    known = {"iptables", "nftables", "none"}
    assert error_of("--firewall-backend=pf", firewall_backends=known) == (
        "invalid value 'pf' for --firewall-backend: no such plugin "
        "(known: auto, iptables, nftables, none)"
    )
    assert parse("--firewall-backend=auto", firewall_backends=known).firewall_backend == "auto"
    assert error_of("--ipam=fancy", ipam_plugins={"default"}) == (
        "invalid value 'fancy' for --ipam: no such plugin (known: default)"
    )


def test_extra_flags_of_the_command_and_help():
    extra = (FlagSpec("dry_run", ("--dry-run",), "bool", "plan only"),)
    parsed = parse_daemon_flags(["-b", "none", "--dry-run"], extra_specs=extra)
    assert parsed.extras == {"dry_run": True} and parsed.config.mode == "none"
    assert parse_daemon_flags(["--help"]).help_requested
    text = format_help(DAEMON_FLAGS)
    for spec in DAEMON_FLAGS:
        assert spec.names[-1] in text


# -- properties ------------------------------------------------------------------------------

GO_BOOLS = {
    "1": True,
    "t": True,
    "T": True,
    "TRUE": True,
    "true": True,
    "True": True,
    "0": False,
    "f": False,
    "F": False,
    "FALSE": False,
    "false": False,
    "False": False,
}


@given(st.text(max_size=8))
def test_parse_bool_accepts_exactly_gos_set(text):
    if text in GO_BOOLS:
        assert parse_bool(text, "--icc") is GO_BOOLS[text]
    else:
        with pytest.raises(InvalidConfig, match="for --icc"):
            parse_bool(text, "--icc")


@given(st.integers(0, 2**32 - 1), st.integers(1, 30))
def test_bip_accepts_exactly_host_addresses(value, prefix):
    address = IPv4Interface((value, prefix))
    network = address.network
    text = str(address)
    special = address.ip in (network.network_address, network.broadcast_address)
    unusable = address.ip.is_loopback or address.ip.is_multicast or address.ip.is_unspecified
    if special or unusable:
        with pytest.raises(InvalidConfig, match="for --bip"):
            parse(f"--bip={text}")
    else:
        assert parse(f"--bip={text}").bip == address


@given(st.text(min_size=1, max_size=20))
def test_interface_names_follow_the_kernel(name):
    kernel_ok = (
        len(name.encode()) < 16
        and name not in (".", "..")
        and not any(ch in "/:" or ch.isspace() for ch in name)
    )
    if kernel_ok:
        validate_interface_name(name, "-b/--bridge")
    else:
        with pytest.raises(InvalidConfig):
            validate_interface_name(name, "-b/--bridge")


@given(st.lists(st.sampled_from(["--icc", "--iptables", "--ip-forward"]), max_size=3))
def test_bare_bools_are_true(names):
    config = parse(*names)
    assert config.icc and config.iptables and config.ip_forward


bools = st.booleans()


@st.composite
def valid_configs(draw):
    """A DaemonConfig that Docker's validation accepts."""
    iptables, icc = draw(bools), draw(bools)
    if not iptables:
        icc = True
    bridge = draw(st.sampled_from(["", "none", "br0", "docker1", "a" * 15]))
    bip = None
    if bridge == "" and draw(bools):
        prefix = draw(st.integers(8, 30))
        network = IPv4Interface((draw(st.integers(0x0B000000, 0x0BFFFFFF)), prefix)).network
        offset = draw(st.integers(1, network.num_addresses - 2))
        bip = IPv4Interface((int(network.network_address) + offset, prefix))
    return DaemonConfig(
        bridge=bridge,
        bip=bip,
        iptables=iptables,
        ip_forward=draw(bools),
        icc=icc,
        default_ip=IPv4Address(draw(st.sampled_from(["0.0.0.0", "127.0.0.1", "10.1.2.3"]))),
        mtu=draw(st.sampled_from([0, 68, 1400, 1500, 9000, 65535])),
        firewall_backend=draw(st.sampled_from(["auto", "iptables", "nftables", "x-party"])),
        ipam=draw(st.sampled_from(["default", "other.ipam"])),
    )


def as_argv(config: DaemonConfig, style: int) -> list[str]:
    """The config as flags, in one of Docker's spellings."""
    pairs = [
        ("-b" if style % 2 else "--bridge", config.bridge if config.bridge else None),
        ("--bip", str(config.bip) if config.bip else None),
        ("--iptables", str(config.iptables).lower()),
        ("-ip-forward" if style == 2 else "--ip-forward", "1" if config.ip_forward else "0"),
        ("--icc", "true" if config.icc else "false"),
        ("--ip", str(config.default_ip)),
        ("--mtu", str(config.mtu)),
        ("--firewall-backend", config.firewall_backend),
        ("--ipam", config.ipam),
    ]
    argv: list[str] = []
    for name, value in pairs:
        if value is None:
            continue
        argv += [f"{name}={value}"] if style == 0 else [name, value]
    return argv


@given(valid_configs(), st.integers(0, 2))
def test_every_valid_config_round_trips_through_its_flags(config, style):
    assert parse(*as_argv(config, style)) == config
    assert DaemonConfig.from_json(config.to_json()) == config


def test_driver_pool_and_port_range_flags_reach_the_config():
    config = parse_daemon_flags(
        ["--driver", "routed", "--subnet-pool=10.77.0.0/16", "--port-range", "40000-40100"]
    ).config
    assert (config.driver, config.subnet_pools, config.port_range) == (
        "routed",
        "10.77.0.0/16",
        "40000-40100",
    )
    assert config.mode == "routed"
    assert parse_daemon_flags(["-b", "none", "--driver", "routed"]).config.mode == "none"
    assert DaemonConfig.from_json(config.to_json()) == config


def test_driver_name_must_be_a_plugin_name():
    with pytest.raises(InvalidConfig, match="--driver"):
        parse_daemon_flags(["--driver", "bad/name"])
