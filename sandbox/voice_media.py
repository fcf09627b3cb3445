"""The wire formats of voice's UDP transport: IP discovery and RTP packets under transport encryption.

Pure functions over bytes, so the voice server (sandbox/voice.py) keeps only who may send what.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass

import nacl.bindings
import nacl.exceptions

MODE = "aead_xchacha20_poly1305_rtpsize"  # the only mode offered: the one discord.py 2.7 prefers
DISCOVERY_SIZE = 74
RTP_HEADER = 12
AEAD_TAG = 16
NONCE_SUFFIX = 4  # topics/voice-connections § Transport Encryption Modes: a 32-bit counter appended to the payload


@dataclass(frozen=True)
class Rtp:
    sequence: int
    timestamp: int
    ssrc: int
    opus: bytes


def is_discovery(data: bytes) -> bool:
    """topics/voice-connections § IP Discovery: type 0x1 (request), 74 bytes."""
    return len(data) == DISCOVERY_SIZE and data[:2] == b"\x00\x01"


def is_rtp(data: bytes) -> bool:
    return len(data) >= RTP_HEADER + AEAD_TAG + NONCE_SUFFIX and data[0] >> 6 == 2


def discovery_ssrc(data: bytes) -> int:
    return int(struct.unpack_from(">I", data, 4)[0])


def discovery_reply(ssrc: int, address: tuple[str, int]) -> bytes:
    """topics/voice-connections § IP Discovery: type 0x2, length 70, the SSRC, the address seen, the port."""
    reply = bytearray(DISCOVERY_SIZE)
    struct.pack_into(">HHI", reply, 0, 2, 70, ssrc)
    host = address[0].encode("ascii")
    reply[8:8 + len(host)] = host
    struct.pack_into(">H", reply, DISCOVERY_SIZE - 2, address[1])
    return bytes(reply)


def rtp_ssrc(packet: bytes) -> int:
    return int(struct.unpack_from(">I", packet, 8)[0])


def open_rtp(packet: bytes, key: bytes) -> Rtp | None:
    """Decrypt one aead_xchacha20_poly1305_rtpsize packet; None if it does not authenticate under `key`."""
    sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
    # rtpsize modes: the fixed header, CSRCs and the extension preamble are authenticated, not encrypted
    # (topics/voice-connections § Transport Encryption Modes).
    header_size = RTP_HEADER + 4 * (packet[0] & 0x0F)
    has_extension = bool(packet[0] & 0x10)
    authenticated = header_size + (4 if has_extension else 0)
    nonce = packet[-NONCE_SUFFIX:] + bytes(24 - NONCE_SUFFIX)
    try:
        plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            packet[authenticated:-NONCE_SUFFIX], packet[:authenticated], nonce, key)
    except nacl.exceptions.CryptoError:
        return None
    if has_extension:  # the extension body is the start of the decrypted payload
        words = struct.unpack_from(">H", packet, header_size + 2)[0]
        plain = plain[4 * words:]
    return Rtp(sequence, timestamp, ssrc, plain)


def seal_rtp(sequence: int, timestamp: int, ssrc: int, opus: bytes, key: bytes, counter: int) -> bytes:
    """One RTP packet as Discord sends audio to a client: version 2, payload type 0x78 (Opus), encrypted with
    aead_xchacha20_poly1305_rtpsize (topics/voice-connections § Transport Encryption Modes: the header is
    authenticated, the payload encrypted, and the 32-bit nonce counter appended). The inverse of `open_rtp`."""
    header = struct.pack(">BBHII", 0x80, 0x78, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc)
    suffix = struct.pack(">I", counter & 0xFFFFFFFF)
    sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        opus, header, suffix + bytes(24 - NONCE_SUFFIX), key)
    return header + sealed + suffix
