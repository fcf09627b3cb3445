"""A throwaway certificate authority for the sandbox's `wss://` voice endpoint.

discord.py always connects to voice with `wss://`, so the sandbox needs TLS on loopback. trustme makes a CA
and a certificate for 127.0.0.1 that live only as long as the process; the bot trusts the CA through the
aiohttp connector it hands discord.py (see `bot/connection.py`), and nothing else trusts it.
"""
from __future__ import annotations

import ssl
from pathlib import Path

import trustme


class SandboxTLS:
    def __init__(self, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        self._ca = trustme.CA(organization_name="Podium sandbox (throwaway)")
        self._server_cert = self._ca.issue_cert(*hosts)

    def server_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_cert.configure_cert(context)
        return context

    def client_ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self._ca.configure_trust(context)
        return context

    def write_ca(self, path: Path) -> Path:
        """Write the CA certificate (PEM) for clients in other processes; returns the path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._ca.cert_pem.write_to_path(str(path))
        return path
