"""A local OIDC issuer for the trusted publishing tests, and the TLS certificates around it.

`TestCA` is a throwaway certificate authority: it signs the issuer's certificate and that of
the TLS front of the API (uv asks for trusted publishing over HTTPS only); pulpcore trusts it
through TEAMINDEX_OIDC_CA_BUNDLE, uv through SSL_CERT_FILE.

`Issuer` serves, over HTTPS on 127.0.0.1, an OpenID discovery document, its JWKS, and GitHub
Actions' token request endpoint (what ACTIONS_ID_TOKEN_REQUEST_URL points to in a job). It
signs tokens with its own RSA key, can rotate that key, and can sign tokens that are wrong in
one way for the negative tests. It counts the requests for its documents, and can play an
issuer that sends one of them (status line and headers included) one byte at a time.
"""

import datetime
import http.server
import json
import ssl
import threading
import time
import uuid
from ipaddress import IPv4Address
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

REQUEST_TOKEN = "local-actions-request-token"  # noqa: S105 (a test runner's bearer)


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


class TestCA:
    __test__ = False  # a fixture's helper, not a test class

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._key = _key()
        now = datetime.datetime.now(datetime.UTC)
        self._cert = (
            x509.CertificateBuilder()
            .subject_name(_name("pulp_teamindex test CA"))
            .issuer_name(_name("pulp_teamindex test CA"))
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self._key, hashes.SHA256())
        )
        self.bundle = self.directory / "ca.pem"
        self.bundle.write_bytes(self._cert.public_bytes(serialization.Encoding.PEM))

    def server_context(self, name="127.0.0.1"):
        """An SSL server context with a certificate for 127.0.0.1 signed by this CA."""
        key = _key()
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        stem = self.directory / f"server-{uuid.uuid4().hex[:8]}"
        cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
        return context


class Issuer:
    """An OIDC issuer at https://127.0.0.1:<port>/<path>; `claims` are the defaults of every
    token it signs (a GitHub-, GitLab- or Kubernetes-like identity)."""

    def __init__(self, ca, claims, path="/"):
        self.claims = claims
        self.keys = {}  # kid -> private key; the newest signs
        self.kid = None
        self.rotate()
        self.discovery_fetches = 0
        self.jwks_fetches = 0
        self.dribble = None  # "discovery" or "jwks": that document comes one byte at a time
        self.dribble_delay = 0.1  # seconds between two bytes
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.socket = ca.server_context().wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_port}{path.rstrip('/')}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def token_request_url(self):
        """ACTIONS_ID_TOKEN_REQUEST_URL: clients append `&audience=...`."""
        return f"{self.url}/_actions/token?api-version=2.0"

    def rotate(self, keep_old=False):
        """Sign with a new key from now on; the old key stays published only with keep_old."""
        self.kid = uuid.uuid4().hex[:12]
        if not keep_old:
            self.keys.clear()
        self.keys[self.kid] = _key()

    def token(self, audience="pulp-teamindex", lifetime=300, key=None, headers=None, **claims):
        """A signed identity token: the defaults, then `claims` (None removes a claim)."""
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            **self.claims,
            **claims,
        }
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(
            payload,
            key or self.keys[self.kid],
            algorithm="RS256",
            headers={"kid": self.kid, **(headers or {})},
        )

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def _jwks(self):
        keys = []
        for kid, key in self.keys.items():
            jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": keys}

    def _handler(self):
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                base = urlsplit(issuer.url).path
                if url.path == f"{base}/.well-known/openid-configuration":
                    issuer.discovery_fetches += 1
                    document = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                    return self._json(document, dribble=issuer.dribble == "discovery")
                if url.path == f"{base}/jwks":
                    issuer.jwks_fetches += 1
                    return self._json(issuer._jwks(), dribble=issuer.dribble == "jwks")
                if url.path == f"{base}/_actions/token":
                    return self._actions_token(parse_qs(url.query))
                self.send_error(404)

            def _actions_token(self, query):
                if self.headers.get("Authorization", "").lower() != f"bearer {REQUEST_TOKEN}":
                    return self.send_error(401)
                audience = query.get("audience", ["pulp-teamindex"])[0]
                return self._json({"value": issuer.token(audience=audience)})

            def _json(self, document, dribble=False):
                body = json.dumps(document).encode()
                if dribble:
                    return self._dribble(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _dribble(self, body):
                """The whole answer, a byte at a time, until it is sent or the client gives up:
                each byte arrives well within any read timeout, the answer never in time."""
                self.close_connection = True
                head = (
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                try:
                    for byte in head + body:
                        self.wfile.write(bytes([byte]))
                        time.sleep(issuer.dribble_delay)
                except OSError:  # the client hung up (ssl.SSLError is an OSError too)
                    pass

            def log_message(self, *args):
                pass

        return Handler


def github_claims(repository="acme/app", ref="refs/tags/v1.0.0", workflow="release.yml"):
    """Claims as GitHub Actions puts them in its identity tokens."""
    owner = repository.split("/")[0]
    return {
        "sub": f"repo:{repository}:ref:{ref}",
        "repository": repository,
        "repository_owner": owner,
        "repository_id": "101",
        "repository_owner_id": "202",
        "ref": ref,
        "ref_type": "tag" if ref.startswith("refs/tags/") else "branch",
        "sha": "0" * 40,
        "workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
        "job_workflow_ref": f"{repository}/.github/workflows/{workflow}@{ref}",
        "environment": "release",
        "run_id": "4242",
        "run_attempt": "1",
        "actor": "ci-bot",
        "event_name": "push",
    }


def gitlab_claims(project_path="acme/app", ref="main"):
    """Claims as GitLab CI puts them in its id_tokens."""
    return {
        "sub": f"project_path:{project_path}:ref_type:branch:ref:{ref}",
        "project_path": project_path,
        "project_id": "77",
        "namespace_path": project_path.split("/")[0],
        "namespace_id": "55",
        "ref": ref,
        "ref_type": "branch",
        "ref_path": f"refs/heads/{ref}",
        "pipeline_id": "9001",
        "job_id": "9002",
        "user_login": "ci-bot",
    }


def kubernetes_claims(namespace="ci", service_account="publisher"):
    """Claims of a projected Kubernetes service-account token (a Tekton task's pod)."""
    return {
        "sub": f"system:serviceaccount:{namespace}:{service_account}",
        "kubernetes.io": {
            "namespace": namespace,
            "serviceaccount": {"name": service_account, "uid": str(uuid.uuid4())},
        },
    }
