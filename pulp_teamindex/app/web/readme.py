"""A project's README (its core metadata's `Description`) as safe HTML. Pure.

Rendered by readme_renderer, as PyPI and `twine check` render it (Markdown, reStructuredText
or plain text, by `Description-Content-Type`), then cleaned by nh3 once more with this page's
own rule: links and pictures only to http and https URLs (or relative ones), no script, no
style, no event attribute, no form. A description that does not render (broken
reStructuredText, a raw directive) is shown as plain text, as PyPI does.
"""

import nh3
from readme_renderer import clean as readme_clean
from readme_renderer import markdown, rst, txt

MAX_DESCRIPTION = 512 * 1024  # characters rendered; the rest is cut (a page, not an archive)
_RENDERERS = {"text/markdown": markdown.render, "text/x-rst": rst.render, "text/plain": txt.render}


def content_type(declared):
    """The renderer's media type for `Description-Content-Type`: reStructuredText when none
    is given (the core metadata's default), plain text when it names something unknown."""
    if not declared:
        return "text/x-rst"
    media = declared.split(";", 1)[0].strip().lower()
    return media if media in _RENDERERS else "text/plain"


def render(description, declared_type=None):
    """Safe HTML for `description`, or "" when there is none."""
    if not description or not description.strip():
        return ""
    text = description[:MAX_DESCRIPTION]
    kind = content_type(declared_type)
    variant = _variant(declared_type) if kind == "text/markdown" else None
    try:
        rendered = _RENDERERS[kind](text, variant=variant) if variant else _RENDERERS[kind](text)
    except Exception:  # a renderer's failure on hostile input is shown as text  # noqa: BLE001
        rendered = None
    if rendered is None:
        rendered = txt.render(text)
    return clean(rendered)


def _variant(declared):
    """Markdown's `variant` parameter (GFM or CommonMark; GFM by default, as PyPI)."""
    for part in declared.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "variant" and value.strip() in ("GFM", "CommonMark"):
            return value.strip()
    return "GFM"


def clean(html):
    """Markup safe to place in a page: readme_renderer's allowed tags and attributes, links
    only to http, https or relative URLs."""
    return nh3.clean(
        html,
        tags=readme_clean.ALLOWED_TAGS,
        attributes=readme_clean.ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="nofollow noopener noreferrer",
        set_tag_attribute_values={"input": {"disabled": ""}},
    )
