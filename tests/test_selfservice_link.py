"""The self-service link a till prints and head office opens: signed, expiring, short."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import qrcode

from storeapp.ids import new_member_id
from storeapp.selfservice_link import (
    LINK_DAYS,
    LinkError,
    link_url,
    make_token,
    verify_token,
)

CHAIN = "a1" * 32
OTHER_CHAIN = "b2" * 32
NOW = dt.datetime(2026, 3, 10, 6, 30)


def test_a_link_names_its_member_until_it_expires() -> None:
    member = new_member_id()
    url = link_url("https://hq.example.cn/", member, NOW, CHAIN)
    assert url.startswith("https://hq.example.cn/me/")
    token = url.rsplit("/", 1)[1]
    link = verify_token(token, CHAIN, NOW + dt.timedelta(days=LINK_DAYS - 1))
    assert link.member_id == member
    assert link.expires_at == NOW + dt.timedelta(days=LINK_DAYS)
    with pytest.raises(LinkError) as expired:
        verify_token(token, CHAIN, NOW + dt.timedelta(days=LINK_DAYS))
    assert expired.value.reason == "expired"


def test_every_altered_character_is_refused() -> None:
    token = make_token(new_member_id(), NOW + dt.timedelta(days=1), CHAIN)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, c in enumerate(token):
        other = alphabet[(alphabet.index(c) + 1) % len(alphabet)]
        tampered = token[:i] + other + token[i + 1:]
        with pytest.raises(LinkError) as refused:
            verify_token(tampered, CHAIN, NOW)
        assert refused.value.reason in ("forged", "malformed"), i


def test_a_later_expiry_cannot_be_written_into_a_genuine_link() -> None:
    member = new_member_id()
    token = make_token(member, NOW + dt.timedelta(days=1), CHAIN)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[17:21] = (2**32 - 1).to_bytes(4, "big")  # the expiry, after the kind and the UUID
    stretched = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(LinkError) as refused:
        verify_token(stretched, CHAIN, NOW + dt.timedelta(days=2))
    assert refused.value.reason == "forged"


def test_another_chains_secret_does_not_open_it_and_an_old_one_still_does() -> None:
    member = new_member_id()
    token = make_token(member, NOW + dt.timedelta(days=5), OTHER_CHAIN)
    with pytest.raises(LinkError) as refused:
        verify_token(token, CHAIN, NOW)
    assert refused.value.reason == "forged"
    # a till that joined a chain keeps the secret it signed with before (qr_secrets)
    assert verify_token(token, (CHAIN, OTHER_CHAIN), NOW).member_id == member
    with pytest.raises(LinkError):
        verify_token(token, ("", CHAIN), NOW)  # an empty secret never matches


@pytest.mark.parametrize("junk", ["", "x", "../../etc/passwd", "A" * 200, "é" * 44,
                                  "AAAA====", "!!!!"])
def test_junk_is_not_a_link(junk: str) -> None:
    with pytest.raises(LinkError) as refused:
        verify_token(junk, CHAIN, NOW)
    assert refused.value.reason == "malformed"


def test_a_member_id_that_is_not_a_uuid_travels_as_text() -> None:
    token = make_token("m-0001", NOW + dt.timedelta(hours=1), CHAIN)
    assert verify_token(token, CHAIN, NOW).member_id == "m-0001"
    with pytest.raises(ValueError):
        make_token("会员", NOW, CHAIN)
    with pytest.raises(ValueError):
        make_token("m-0001", NOW, "")


def test_the_link_fits_a_small_qr_on_58mm_paper() -> None:
    url = link_url("https://hq.example-chain.com.cn:8443", new_member_id(), NOW, CHAIN)
    assert len(url.rsplit("/", 1)[1]) == 44
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(url)
    code.make(fit=True)
    # version 5 is 37 modules: at 6 dots a module, 222 of the 384 dots a 58 mm printer has
    assert code.version <= 5, code.version
