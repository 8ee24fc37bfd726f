"""The JSON-LD document loader: bundled copies of the contexts, never the network.

Signing and verifying canonicalise the credential (RDFC-1.0), which needs every
context it names. A context fetched at sign or verify time could change under
us, or be unreachable; so only the copies shipped in ``contexts/`` are served,
and any other URL is an error (a credential naming a context we do not know is
not ours to sign or to trust).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any

from certflow.errors import CredentialError

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

#: Context URL → the bundled file that holds it, copied verbatim: the W3C VC 2.0 context
#: (as npm's @digitalbazaar/credentials-context 3.2.0 ships it) and 1EdTech's
#: ob_v3p0/context-3.0.3.json (1EdTech/openbadges-specification).
BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-context-3.0.3.json",
}

Loader = Callable[[str, Mapping[str, Any]], dict[str, Any]]


@functools.cache
def bundled(url: str) -> Mapping[str, Any]:
    """The bundled document at ``url`` (parsed once)."""
    name = BUNDLED.get(url)
    if name is None:
        raise CredentialError(f"no local copy of JSON-LD context {url!r}")
    text = resources.files(__package__).joinpath("contexts", name).read_text("utf-8")
    parsed: Mapping[str, Any] = json.loads(text)
    return parsed


def local_loader(extra: Mapping[str, Mapping[str, Any]] | None = None) -> Loader:
    """A pyld document loader serving the bundled contexts (and ``extra``, for tests)."""
    documents = dict(extra or {})

    def load(url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if url in documents:
            return {"contextUrl": None, "documentUrl": url, "document": documents[url]}
        # "static": pyld keeps the processed context across calls (it never changes), which
        # makes canonicalising a credential about 3x faster than resolving it every time.
        return {"contextUrl": None, "documentUrl": url, "document": bundled(url), "tag": "static"}

    return load
