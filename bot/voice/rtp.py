"""Incoming voice packets: RTP under the session's transport encryption, opened with PyNaCl.

Stages are outside Discord's end-to-end encryption (the DAVE protocol whitepaper § Introduction covers "server
voice channels (excluding stage channels)"; topics/voice-connections § End-to-End Encryption (DAVE Protocol)),
so what arrives on a stage is Opus under transport encryption only, and opening that is enough.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions

RTP_HEADER = 12
NONCE_SUFFIX = 4
OPUS_PAYLOAD_TYPE = 0x78
# The mode discord.py 2.7 negotiates (topics/voice-connections § Transport Encryption Modes). The other required
# mode, aead_aes256_gcm_rtpsize, is never selected by discord.py 2.7, so it never reaches Podium.
XCHACHA = "aead_xchacha20_poly1305_rtpsize"


@dataclass(frozen=True)
class Rtp:
    sequence: int
    timestamp: int
    ssrc: int
    opus: bytes


def ssrc_of(packet: bytes) -> int | None:
    """The SSRC of an RTP audio packet; None for anything else (RTCP, IP discovery, keep-alives)."""
    if len(packet) < RTP_HEADER + 16 + NONCE_SUFFIX or packet[0] >> 6 != 2 or packet[1] & 0x7F != OPUS_PAYLOAD_TYPE:
        return None
    return int(struct.unpack_from(">I", packet, 8)[0])


def open_rtp(packet: bytes, key: bytes, mode: str = XCHACHA) -> Rtp | None:
    """Decrypt one packet (rtpsize: the fixed header, CSRCs and extension preamble are authenticated, not
    encrypted; the extension body starts the payload); None if it does not authenticate."""
    if mode != XCHACHA:
        return None
    sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
    header_size = RTP_HEADER + 4 * (packet[0] & 0x0F)
    has_extension = bool(packet[0] & 0x10)
    authenticated = header_size + (4 if has_extension else 0)
    nonce = packet[-NONCE_SUFFIX:] + bytes(24 - NONCE_SUFFIX)
    try:
        plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            packet[authenticated:-NONCE_SUFFIX], packet[:authenticated], nonce, key)
    except nacl.exceptions.CryptoError:
        return None
    if has_extension:
        words = struct.unpack_from(">H", packet, header_size + 2)[0]
        plain = plain[4 * words:]
    return Rtp(sequence, timestamp, ssrc, plain)
