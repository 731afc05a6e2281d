"""Package layout (the rest of the metadata is in pyproject.toml).

``u22a8`` comes from ``shared/`` (the Lambda layer's source folder); its subpackage
``u22a8.client``, the HTTP client and CLI for API users, comes from ``client/`` so that the layer
never ships it. An installed wheel merges both into one ``u22a8`` package.
"""

from setuptools import find_namespace_packages, find_packages, setup

setup(
    packages=[
        *find_packages("shared", include=["u22a8", "u22a8.*"]),
        *find_namespace_packages("client", include=["u22a8.client", "u22a8.client.*"]),
    ],
    package_dir={"": "shared", "u22a8.client": "client/u22a8/client"},
    package_data={"u22a8": ["py.typed"]},  # PEP 561: users' type checkers read our hints
)
