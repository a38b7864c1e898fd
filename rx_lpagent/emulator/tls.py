"""A throw-away CA and a server certificate from it (needs trustme): what a local server needs
to serve https/wss, and the CA file its clients trust."""

from __future__ import annotations

import ssl
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

__all__ = ["Certificates", "make_certificates"]


class Certificates(NamedTuple):
    """The server's TLS context and the CA's PEM file in a temporary directory of its own
    (``ca_dir``: remove it when the server stops)."""

    server_context: ssl.SSLContext
    ca_dir: Path
    ca_file: Path


def make_certificates(
    names: Sequence[str], organization: str = "rx_lpagent emulator"
) -> Certificates:
    """A new CA and a server certificate for ``names`` (host names or IP addresses)."""
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("TLS needs trustme: pip install 'rx-lpagent[tls]'") from exc
    ca = trustme.CA(organization_name=organization)
    certificate = ca.issue_cert(*names)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    ca_dir = Path(tempfile.mkdtemp(prefix="rx-lpagent-emulator-"))
    ca_file = ca_dir / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return Certificates(context, ca_dir, ca_file)
