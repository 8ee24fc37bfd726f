"""The Standard Webhooks headers, signed by the specification's own library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from standardwebhooks import Webhook

USER_AGENT = "certflow-webhooks/1"


def headers(
    delivery_id: str, body: bytes, secrets: Sequence[str], at: dt.datetime
) -> dict[str, str]:
    """webhook-id, webhook-timestamp (this attempt's time) and webhook-signature: one
    ``v1,`` signature per live secret, space-separated (two while a secret rotates)."""
    signatures = " ".join(Webhook(secret).sign(delivery_id, at, body) for secret in secrets)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": delivery_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signatures,
    }
