"""A development CA and a PDF signing certificate: for the demo and the tests only.

Readers (Acrobat, Preview, pdfsig) will call a signature by this CA untrusted:
nobody's trust store has it. A deployment gets its certificate from a CA that
readers trust (an AATL member for Acrobat) and gives certflow the files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class DevPki:
    """Where the files are: the CA's certificate, and the signer's certificate and key."""

    ca_cert: Path
    signer_cert: Path
    signer_key: Path
    #: A timestamp authority's certificate and key by the same CA (tests of PAdES B-T).
    tsa_cert: Path | None = None
    tsa_key: Path | None = None


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )


def create_dev_pki(
    folder: Path, organization: str = "certflow (development)", *, tsa: bool = False
) -> DevPki:
    """A CA and a document-signing certificate it issued (P-256), written as PEM to ``folder``;
    with ``tsa``, a timestamping certificate by the same CA too."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name(f"{organization} development CA", organization)
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signer = _issued(ca, ca_key, key, f"{organization} certificate signing", organization,
                     ExtendedKeyUsageOID.EMAIL_PROTECTION)  # fmt: skip
    pki = DevPki(folder / "dev-ca.pem", folder / "pdf-signing.pem", folder / "pdf-signing.key")
    pki.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # The signer's file carries its chain (itself, then the CA), as PDF_SIGNING_CERT_FILE wants.
    pki.signer_cert.write_bytes(
        signer.public_bytes(serialization.Encoding.PEM)
        + ca.public_bytes(serialization.Encoding.PEM)
    )
    pki.signer_key.write_bytes(_pem_key(key))
    pki.signer_key.chmod(0o600)
    if not tsa:
        return pki
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test TSA
    stamper = _issued(ca, ca_key, tsa_key, f"{organization} timestamps", organization,
                      ExtendedKeyUsageOID.TIME_STAMPING)  # fmt: skip
    paths = (folder / "tsa.pem", folder / "tsa.key")
    paths[0].write_bytes(stamper.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(_pem_key(tsa_key))
    return DevPki(pki.ca_cert, pki.signer_cert, pki.signer_key, *paths)


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _issued(
    ca: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    common_name: str,
    organization: str,
    usage: x509.ObjectIdentifier,
) -> x509.Certificate:
    """An end-entity certificate by ``ca`` for ``key``, with one extended key usage."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, organization))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([usage]),
            critical=usage == ExtendedKeyUsageOID.TIME_STAMPING,  # RFC 3161 requires it
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
