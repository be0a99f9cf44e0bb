"""resolv.conf parsing: Docker's rules, but a malformed line no longer poisons everything."""

from ipaddress import IPv4Address

from plugnet.ipam.resolvconf import parse_nameservers

TEXT = """\
# generated
nameserver 8.8.8.8
nameserver8.8.4.4
  nameserver 10.0.0.2   # office
; nameserver 1.1.1.1
nameserver 1.2.3.4 ; comment-not
nameserver 2001:db8::1
#nameserver 9.9.9.9
search example.com
"""


def test_docker_rules():
    found = parse_nameservers(TEXT)
    # `#` cuts a line, `;` does not (so the ";" line and the "; comment" line do
    # not match the regex), IPv4 only, and `\s*` lets "nameserver8.8.4.4" match.
    assert found.addresses == tuple(IPv4Address(a) for a in ("8.8.8.8", "8.8.4.4", "10.0.0.2"))
    assert found.warnings == ()


def test_malformed_nameserver_is_ignored_with_a_warning(caplog):
    found = parse_nameservers("nameserver 300.1.1.1\nnameserver 8.8.8.8\n")
    assert found.addresses == (IPv4Address("8.8.8.8"),)
    assert len(found.warnings) == 1
    assert "300.1.1.1 is not an IPv4 address" in found.warnings[0]
    assert "300.1.1.1" in caplog.text


def test_empty_and_vertical_tab():
    assert parse_nameservers("").addresses == ()
    # Go's \s has no \v: Docker would not match this line, nor do we.
    assert parse_nameservers("nameserver\v8.8.8.8").addresses == ()
