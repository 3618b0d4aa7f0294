from setuptools import find_namespace_packages, setup

with open("README.md") as f:
    long_description = f.read()

setup(
    name="pulp-teamindex",
    version="0.1.0.dev0",
    description="Private per-team Python package indexes for Pulp",
    long_description=long_description,
    long_description_content_type="text/markdown",
    license="GPL-2.0-or-later",
    python_requires=">=3.11",
    install_requires=[
        "pulpcore>=3.123,<3.125",
        "django",
        "djangorestframework",
        "packaging>=24.2",
        "pkginfo>=1.12",
        "aiohttp>=3.9",
        "requests>=2.31",
        # trusted publishing: OIDC identity tokens (RSA and EC signatures need cryptography)
        "PyJWT[crypto]>=2.8",
        # PEP 740 attestations (`provenance`): the attestation model and Sigstore verification,
        # both pre-1.0 APIs that change between minor releases, so bounded to what is tested
        "pypi-attestations>=0.0.28,<0.0.32",
        "sigstore>=4.1,<4.6",
        # the web pages render a project's README as PyPI does, and clean it (`web/readme.py`)
        "readme_renderer[md]>=43",
        "nh3>=0.2.14",
    ],
    extras_require={
        "cli": ["pulp-cli>=0.41,<0.43", "pulp-glue>=0.41,<0.43"],
        # artifacts in S3-compatible object storage (pulpcore's STORAGES, django-storages)
        "s3": ["pulpcore[s3]"],
    },
    # pulp_glue is pulp-glue's namespace: our contexts live in pulp_glue.teamindex, as pulp-cli
    # plugins' do
    packages=find_namespace_packages(
        include=["pulp_teamindex", "pulp_teamindex.*", "pulp_teamindex_cli", "pulp_glue.teamindex"]
    ),
    include_package_data=True,
    zip_safe=False,
    entry_points={
        "pulpcore.plugin": ["pulp_teamindex = pulp_teamindex:default_app_config"],
        "pulp_cli.plugins": ["teamindex = pulp_teamindex_cli"],
    },
    classifiers=[
        "Framework :: Django",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
    ],
)
