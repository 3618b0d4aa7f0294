"""A private Sigstore instance for the PEP 740 tests: a Fulcio-like CA, a CT log and a Rekor-like
transparency log, all keys made in the test process, and the `trusted_root.json` naming them.

Public Sigstore is out of reach here (and tests must not depend on it), and sigstore-python's
own test assets are made against its staging instance, so this builds what its `Verifier`
checks (sigstore/verify/verifier.py, models.py, _internal/sct.py, merkle.py,
rekor/checkpoint.py), by the same rules as the real services:

- the signing certificate chains to the CA's root through an intermediate, is valid for a few
  minutes, has code signing usage, a URI SAN, Fulcio's OIDC extensions (issuer v1 and v2,
  source repository, build config and signer URIs, ref and digest), and embeds one SCT: a
  precertificate SCT (RFC 6962) signed by the CT log key over the certificate without it;
- the signed statement is a DSSE envelope (PAE, ECDSA P-256) of an in-toto statement whose
  subject is the distribution file's name and sha256 (PEP 740's publish attestation);
- its log entry is a Rekor v1 `dsse` 0.0.1 entry: the leaf of a one-entry Merkle tree (no
  proof hashes), a checkpoint signed by the log key in the signed-note format, and a signed
  entry timestamp over the RFC 8785 form of body, time, log id and index.

`Sigstore.attest(...)` returns the PEP 740 attestation object (what `twine upload
--attestations` reads from `<dist>.<name>.attestation`); its arguments let a test make it
wrong in one way.
"""

import base64
import datetime
import hashlib
import json
import struct
import time
from pathlib import Path

import rfc8785
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

PUBLISH_V1 = "https://docs.pypi.org/attestations/publish/v1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"
INTOTO_TYPE = "application/vnd.in-toto+json"
SCT_LIST_OID = ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")
FULCIO = "1.3.6.1.4.1.57264.1."  # Fulcio's certificate extensions
ISSUER_V1, ISSUER_V2 = FULCIO + "1", FULCIO + "8"
BUILD_SIGNER_URI, SOURCE_REPOSITORY_URI = FULCIO + "9", FULCIO + "12"
SOURCE_REPOSITORY_DIGEST, SOURCE_REPOSITORY_REF = FULCIO + "13", FULCIO + "14"
BUILD_CONFIG_URI = FULCIO + "18"


def _der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def utf8_string(text):
    """DER UTF8String: how Fulcio encodes its v2 extensions."""
    data = text.encode()
    return b"\x0c" + _der_length(len(data)) + data


def _octet_string(data):
    return b"\x04" + _der_length(len(data)) + data


def _spki(key):
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _key_id(key):
    return hashlib.sha256(_spki(key)).digest()


def _name(common_name):
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pulp_teamindex tests"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _b64(data):
    return base64.b64encode(data).decode()


def pae(payload_type, payload):
    """DSSE's pre-authentication encoding: what the envelope's signature covers."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def github_identity(issuer, repository="acme/app", workflow="release.yml", ref="refs/tags/v1.0.0"):
    """The certificate claims Fulcio writes for a GitHub Actions job (host: the issuer's)."""
    server = "https://github.example"
    workflow_ref = f"{repository}/.github/workflows/{workflow}@{ref}"
    return {
        "san": f"{server}/{workflow_ref}",
        ISSUER_V1: issuer,
        ISSUER_V2: issuer,
        BUILD_SIGNER_URI: f"{server}/{workflow_ref}",
        SOURCE_REPOSITORY_URI: f"{server}/{repository}",
        SOURCE_REPOSITORY_DIGEST: "0" * 40,
        SOURCE_REPOSITORY_REF: ref,
        BUILD_CONFIG_URI: f"{server}/{workflow_ref}",
    }


class Sigstore:
    """A CA, a CT log and a transparency log; `trusted_root` describes them for verifiers."""

    def __init__(self, directory, name="pulp_teamindex test sigstore"):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.UTC)
        self.root_key = ec.generate_private_key(ec.SECP384R1())
        self.root = self._ca_cert(
            _name(name), self.root_key, self.root_key.public_key(), None, now, path_length=1
        )
        self.intermediate_key = ec.generate_private_key(ec.SECP384R1())
        self.intermediate = self._ca_cert(
            _name(name + " intermediate"),
            self.root_key,
            self.intermediate_key.public_key(),
            self.root,
            now,
            path_length=0,
        )
        self.ct_key = ec.generate_private_key(ec.SECP256R1())
        self.log_key = ec.generate_private_key(ec.SECP256R1())
        self.log_origin = f"{name} log - 1"
        self.trusted_root_path = self.directory / "trusted_root.json"
        self.trusted_root_path.write_text(json.dumps(self.trusted_root(now)))

    def _ca_cert(self, subject, signer, public_key, issuer_cert, now, path_length):
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer_cert.subject if issuer_cert else subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
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
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        )
        authority = issuer_cert.public_key() if issuer_cert else public_key
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority), critical=False
        )
        if issuer_cert is not None:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False
            )
        return builder.sign(signer, hashes.SHA384())

    def trusted_root(self, now):
        """The trusted root (sigstore's protobuf-specs JSON) naming this instance's keys."""
        start = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

        def public_key(key):
            return {
                "rawBytes": _b64(_spki(key)),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": start},
            }

        return {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [
                {
                    "baseUrl": "https://rekor.invalid",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": public_key(self.log_key.public_key()),
                    "logId": {"keyId": _b64(_key_id(self.log_key.public_key()))},
                }
            ],
            "certificateAuthorities": [
                {
                    "subject": {"organization": "pulp_teamindex tests", "commonName": "fulcio"},
                    "uri": "https://fulcio.invalid",
                    "certChain": {
                        "certificates": [
                            {"rawBytes": _b64(c.public_bytes(serialization.Encoding.DER))}
                            for c in (self.intermediate, self.root)
                        ]
                    },
                    "validFor": {"start": start},
                }
            ],
            "ctlogs": [
                {
                    "baseUrl": "https://ctfe.invalid",
                    "hashAlgorithm": "SHA2_256",
                    "publicKey": public_key(self.ct_key.public_key()),
                    "logId": {"keyId": _b64(_key_id(self.ct_key.public_key()))},
                }
            ],
            "timestampAuthorities": [],
        }

    # -- the signing certificate ------------------------------------------------------------

    def leaf(self, identity, key, lifetime=600, not_before=None):
        """A Fulcio-like signing certificate for `identity` (see `github_identity`) and `key`,
        with an embedded SCT from this instance's CT log."""
        now = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=30)
        serial = x509.random_serial_number()
        precert = self._leaf_builder(identity, key, now, serial, lifetime).sign(
            self.intermediate_key, hashes.SHA384()
        )
        sct = self._sct(precert.tbs_certificate_bytes)
        extension = x509.UnrecognizedExtension(SCT_LIST_OID, _octet_string(sct))
        builder = self._leaf_builder(identity, key, now, serial, lifetime)
        return builder.add_extension(extension, critical=False).sign(
            self.intermediate_key, hashes.SHA384()
        )

    def _leaf_builder(self, identity, key, now, serial, lifetime):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(self.intermediate.subject)
            .public_key(key.public_key())
            .serial_number(serial)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(seconds=lifetime))
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    self.intermediate_key.public_key()
                ),
                critical=False,
            )
            .add_extension(
                x509.SubjectAlternativeName([x509.UniformResourceIdentifier(identity["san"])]),
                critical=True,
            )
        )
        for oid, value in identity.items():
            if oid == "san":
                continue
            raw = value.encode() if oid == ISSUER_V1 else utf8_string(value)
            builder = builder.add_extension(
                x509.UnrecognizedExtension(ObjectIdentifier(oid), raw), critical=False
            )
        return builder

    def _sct(self, tbs):
        """A SignedCertificateTimestampList holding one v1 precertificate SCT over `tbs`."""
        timestamp = int(time.time() * 1000)
        issuer_key_hash = _key_id(self.intermediate_key.public_key())
        signed = (
            struct.pack("!BBQH", 0, 0, timestamp, 1)
            + issuer_key_hash
            + len(tbs).to_bytes(3, "big")
            + tbs
            + struct.pack("!H", 0)
        )
        signature = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        sct = (
            bytes([0])
            + _key_id(self.ct_key.public_key())
            + struct.pack("!QH", timestamp, 0)
            + bytes([4, 3])
            + struct.pack("!H", len(signature))
            + signature
        )
        item = struct.pack("!H", len(sct)) + sct
        return struct.pack("!H", len(item)) + item

    # -- the attestation ----------------------------------------------------------------------

    def attest(self, filename, sha256, identity, predicate_type=PUBLISH_V1, statement=None):
        """The PEP 740 attestation of the file `filename` with digest `sha256`, signed as
        `identity` and logged in this instance's transparency log."""
        key = ec.generate_private_key(ec.SECP256R1())
        cert = self.leaf(identity, key)
        if statement is None:
            statement = {
                "_type": STATEMENT_V1,
                "subject": [{"name": filename, "digest": {"sha256": sha256}}],
                "predicateType": predicate_type,
                "predicate": {},
            }
        payload = json.dumps(statement).encode()
        signature = key.sign(pae(INTOTO_TYPE, payload), ec.ECDSA(hashes.SHA256()))
        entry = self.log_entry(payload, signature, cert)
        return {
            "version": 1,
            "verification_material": {
                "certificate": _b64(cert.public_bytes(serialization.Encoding.DER)),
                "transparency_entries": [entry],
            },
            "envelope": {"statement": _b64(payload), "signature": _b64(signature)},
        }

    def log_entry(self, payload, signature, cert):
        """A Rekor v1 `dsse` entry for the envelope, in a one-entry log, with its checkpoint
        and signed entry timestamp (protobuf-specs JSON, as a bundle carries it)."""
        cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        body = rfc8785.dumps(
            {
                "apiVersion": "0.0.1",
                "kind": "dsse",
                "spec": {
                    "envelopeHash": {"algorithm": "sha256", "value": "0" * 64},
                    "payloadHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(payload).hexdigest(),
                    },
                    "signatures": [{"signature": _b64(signature), "verifier": _b64(cert_pem)}],
                },
            }
        )
        root_hash = hashlib.sha256(b"\x00" + body).digest()  # RFC 6962 leaf = the root
        log_id = _key_id(self.log_key.public_key())
        integrated = int(time.time())
        note = f"{self.log_origin}\n1\n{_b64(root_hash)}\n"
        note_signature = self.log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
        checkpoint = (
            note
            + "\n"
            + f"\u2014 {self.log_origin.split()[0]} "
            + (_b64(log_id[:4] + note_signature) + "\n")
        )
        promise = rfc8785.dumps(
            {
                "body": _b64(body),
                "integratedTime": integrated,
                "logID": log_id.hex(),
                "logIndex": 0,
            }
        )
        set_signature = self.log_key.sign(promise, ec.ECDSA(hashes.SHA256()))
        return {
            "logIndex": "0",
            "logId": {"keyId": _b64(log_id)},
            "kindVersion": {"kind": "dsse", "version": "0.0.1"},
            "integratedTime": str(integrated),
            "inclusionPromise": {"signedEntryTimestamp": _b64(set_signature)},
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": _b64(root_hash),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": checkpoint},
            },
            "canonicalizedBody": _b64(body),
        }
