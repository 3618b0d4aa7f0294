"""An HTTP reason phrase that explains a refusal.

Upload clients (twine without --verbose, hatch, pdm, flit) show only the status line of a
failed upload; PyPI therefore puts its message in the reason phrase, and so do we. A reason
phrase must be one line of visible ASCII, so the message is flattened and shortened for it; the
body keeps the full text.
"""

import re

MAX_REASON = 400
_UNSAFE = re.compile(r"[^\x20-\x7e]+")


def reason_phrase(message):
    """`message` as a safe one-line reason phrase (never empty for a non-empty message)."""
    flat = " ".join(_UNSAFE.sub(" ", message).split())
    return flat if len(flat) <= MAX_REASON else flat[: MAX_REASON - 3] + "..."


def refusal_message(response):
    """The human message of a 4xx/5xx answer: a plain-text body, or a DRF `detail`."""
    data = getattr(response, "data", None)
    if isinstance(data, dict) and "detail" in data:
        return str(data["detail"])
    if response.get("Content-Type", "").startswith("text/plain"):
        return response.content.decode("utf-8", errors="replace")
    return ""


def with_reason_phrase(response):
    """Set the reason phrase of an error response to its message; other answers unchanged."""
    if response.status_code >= 400 and (message := refusal_message(response)):
        response.reason_phrase = reason_phrase(message)
    return response
