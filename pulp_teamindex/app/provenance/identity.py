"""Who must have signed an attestation: the CI identity that minted the upload token.

A token minted by trusted publishing keeps the verified claims of the identity token it was
exchanged for (`oidc.minting.AUDIT_CLAIMS`), and those claims satisfied the index's policy. The
signing certificate Fulcio issued for the same job must carry the same identity, mapped as
Fulcio maps claims into its certificate extensions:

- GitHub Actions (claims `repository` and `workflow_ref`): the OIDC issuer extension is the
  token's `iss`, the Source Repository URI's path is `/<repository>` and the Build Config URI's
  path is `/<workflow_ref>` (the same workflow file at the same ref). The URIs' host is the
  GitHub server the issuer belongs to, which the issuer check already pins. This is what
  pypi-attestations' GitHub publisher checks, for github.com and GitHub Enterprise Server alike.
- GitLab CI (claim `project_path`): the issuer, the Source Repository URI's path
  `/<project_path>`, and (from the token's `ci_config_ref_uri`) the Build Config URI: the same
  CI configuration file at the same ref.
- Any other issuer (Kubernetes, a generic OIDC provider): the certificate's issuer extension
  is the token's `iss` and its SAN the one Fulcio writes for the token's `sub` (the subject
  itself; a Kubernetes service account's `https://kubernetes.io/namespaces/<ns>/
  serviceaccounts/<name>`), checked by sigstore's `Identity` policy.

The same claims name the publisher in the provenance object (PEP 740's `publisher`).
"""

import re
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat import asn1
from sigstore.errors import VerificationError
from sigstore.verify import policy

SOURCE_REPOSITORY_URI = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.12")
BUILD_CONFIG_URI = x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.18")
_SERVICE_ACCOUNT = re.compile(r"^system:serviceaccount:([^:]+):([^:]+)$")


class NotTrustedPublishing(Exception):
    """The token has no trusted publishing identity (a stored token, a password)."""


def expected(claims):
    """(sigstore verification policy, PEP 740 publisher object) for a token's kept `claims`."""
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or not issuer:
        raise NotTrustedPublishing()
    repository, workflow_ref = claims.get("repository"), claims.get("workflow_ref")
    if isinstance(repository, str) and isinstance(workflow_ref, str):
        return _github(issuer, repository, workflow_ref, claims.get("environment"))
    if isinstance(project_path := claims.get("project_path"), str):
        config = claims.get("ci_config_ref_uri")
        config = config if isinstance(config, str) else None
        return _gitlab(issuer, project_path, config, claims.get("environment"))
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise NotTrustedPublishing()
    san = subject_alternative_name(subject)
    publisher = {"kind": "OIDC", "issuer": issuer, "identity": san}
    return policy.Identity(identity=san, issuer=issuer), publisher


def subject_alternative_name(subject):
    """The SAN Fulcio writes for a generic identity's `sub`: the subject itself (URI, email
    and SPIFFE issuers), but for a Kubernetes service account
    (`system:serviceaccount:<namespace>:<name>`) its URI
    `https://kubernetes.io/namespaces/<namespace>/serviceaccounts/<name>`."""
    if match := _SERVICE_ACCOUNT.match(subject):
        namespace, name = match.groups()
        return f"https://kubernetes.io/namespaces/{namespace}/serviceaccounts/{name}"
    return subject


def _github(issuer, repository, workflow_ref, environment):
    workflow = workflow_ref.split("@", 1)[0].rsplit("/", 1)[-1]
    publisher = {"kind": "GitHub", "repository": repository, "workflow": workflow}
    if environment:
        publisher["environment"] = environment
    checks = policy.AllOf(
        [
            policy.OIDCIssuerV2(issuer),
            UriPath(SOURCE_REPOSITORY_URI, "Source Repository URI", f"/{repository}"),
            UriPath(BUILD_CONFIG_URI, "Build Config URI", f"/{workflow_ref}"),
        ]
    )
    return checks, publisher


def _gitlab(issuer, project_path, config, environment):
    """GitLab: the issuer and project; with the token's `ci_config_ref_uri` (`<host>/<project>
    //<file>@<ref>`, which Fulcio writes as the Build Config URI `https://<that>`), the CI
    configuration file at that ref too."""
    publisher = {"kind": "GitLab", "repository": project_path}
    checks = [
        policy.OIDCIssuerV2(issuer),
        UriPath(SOURCE_REPOSITORY_URI, "Source Repository URI", f"/{project_path}"),
    ]
    if config:
        path = urlsplit(f"https://{config}").path
        publisher["workflow_filepath"] = path.split("//", 1)[-1].split("@", 1)[0]
        checks.append(UriPath(BUILD_CONFIG_URI, "Build Config URI", path))
    if environment:
        publisher["environment"] = environment
    return policy.AllOf(checks), publisher


class UriPath:
    """A sigstore verification policy: the path of the URI in Fulcio extension `oid` (a DER
    UTF8String) is `path`."""

    def __init__(self, oid, label, path):
        self.oid, self.label, self.path = oid, label, path

    def verify(self, cert):
        try:
            raw = cert.extensions.get_extension_for_oid(self.oid).value.value
            value = asn1.decode_der(str, raw)
        except (x509.ExtensionNotFound, ValueError, AttributeError) as exc:
            raise VerificationError(f"the certificate has no valid {self.label}") from exc
        if urlsplit(value).path != self.path:
            raise VerificationError(
                f"the certificate's {self.label} is {value!r}, not the trusted publisher's "
                f"{self.path.lstrip('/')!r}"
            )
