"""The cloud providers load without their SDKs: google-auth and azure-identity are imported on first need only."""

from __future__ import annotations

import subprocess
import sys


def test_loading_vertex_and_azure_imports_no_cloud_sdk() -> None:
    code = (
        "import sys, modelmux\n"
        "from modelmux._registry import get_provider\n"
        "get_provider('vertex'); get_provider('azure')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('google', 'azure', 'msal', 'cryptography')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
