"""A TLS-only redis-server (``--port 0 --tls-port``) with a CA and certificates the test makes."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import redis
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.redis_server import free_port


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _write_cert(cert: x509.Certificate, path: Path) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _builder(subject: str, issuer: str, public_key: object) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
    )


def make_ca(directory: Path, name: str) -> tuple[Path, ec.EllipticCurvePrivateKey, str]:
    key = _key()
    cert = (
        _builder(name, name, key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    path = directory / f"{name}.crt"
    _write_cert(cert, path)
    return path, key, name


def make_leaf(
    directory: Path,
    ca: tuple[Path, ec.EllipticCurvePrivateKey, str],
    name: str,
    *,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    client: bool = False,
) -> tuple[Path, Path]:
    """A certificate signed by ``ca`` for the names given; (certificate, key) files."""
    key = _key()
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
    builder = _builder(name, ca[2], key.public_key()).add_extension(
        x509.ExtendedKeyUsage([usage]), critical=False
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    cert = builder.sign(ca[1], hashes.SHA256())
    cert_path, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    _write_cert(cert, cert_path)
    _write_key(key, key_path)
    return cert_path, key_path


@dataclass
class TLSRedis:
    port: int
    directory: Path
    ca: Path
    other_ca: Path
    client_cert: Path
    client_key: Path
    process: subprocess.Popen[bytes] | None = None

    def url(self, host: str = "localhost") -> str:
        return f"rediss://{host}:{self.port}/0"

    def options(self, **extra: object) -> dict[str, object]:
        return {
            "url": self.url(),
            "ssl_ca_certs": str(self.ca),
            "ssl_certfile": str(self.client_cert),
            "ssl_keyfile": str(self.client_key),
            **extra,
        }

    def client(self) -> redis.Redis:
        return redis.Redis(
            host="localhost",
            port=self.port,
            ssl=True,
            ssl_ca_certs=str(self.ca),
            ssl_certfile=str(self.client_cert),
            ssl_keyfile=str(self.client_key),
            decode_responses=True,
        )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_tls_redis() -> TLSRedis:
    """A redis-server that speaks only TLS and asks for a client certificate; its certificate
    names ``localhost`` only (so ``127.0.0.1`` fails the hostname check)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (apt-get install redis-server).")
    directory = Path(tempfile.mkdtemp(prefix="qb-tls-"))
    ca = make_ca(directory, "qb-test-ca")
    other = make_ca(directory, "qb-other-ca")
    server_cert, server_key = make_leaf(directory, ca, "redis-server", dns=("localhost",))
    client_cert, client_key = make_leaf(directory, ca, "queueboard", client=True)
    server = TLSRedis(free_port(), directory, ca[0], other[0], client_cert, client_key)
    server.process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--tls-port",
            str(server.port),
            "--bind",
            "127.0.0.1",
            "--tls-cert-file",
            str(server_cert),
            "--tls-key-file",
            str(server_key),
            "--tls-ca-cert-file",
            str(ca[0]),
            "--tls-auth-clients",
            "yes",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if server.client().ping():
                return server
        except (redis.RedisError, ssl.SSLError, OSError):
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"The TLS redis-server did not start on port {server.port}.")
