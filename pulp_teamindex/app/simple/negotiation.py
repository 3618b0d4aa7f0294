"""PEP 691 content negotiation: pick the simple API format a client asked for."""

from pulp_teamindex.app.simple.render import HTML_TYPE, JSON_TYPE

TEXT_HTML = "text/html"

# Media type a client may name -> the Content-Type we answer with. Ties in quality go to the
# earlier entry: JSON first, because clients that can read it parse it faster.
_OFFERS = {
    JSON_TYPE: JSON_TYPE,
    "application/vnd.pypi.simple.latest+json": JSON_TYPE,
    HTML_TYPE: HTML_TYPE,
    "application/vnd.pypi.simple.latest+html": HTML_TYPE,
    TEXT_HTML: TEXT_HTML,
    "text/*": TEXT_HTML,
    "*/*": TEXT_HTML,
}
_PREFERENCE = list(_OFFERS)


def choose_content_type(accept):
    """Return the Content-Type to answer with, or None when nothing acceptable is offered.

    No Accept header means a legacy client: it gets PEP 503 HTML as text/html.
    """
    if not accept or not accept.strip():
        return TEXT_HTML
    best = None
    for media_range in accept.split(","):
        media, quality = _parse_range(media_range)
        if media not in _OFFERS or quality <= 0:
            continue
        rank = (quality, -_PREFERENCE.index(media))
        if best is None or rank > best[0]:
            best = (rank, _OFFERS[media])
    return best[1] if best else None


def _parse_range(media_range):
    media, *params = (p.strip() for p in media_range.split(";"))
    quality = 1.0
    for param in params:
        key, _, value = param.partition("=")
        if key.strip().lower() == "q":
            try:
                quality = float(value)
            except ValueError:
                quality = 0.0
    return media.lower(), quality
