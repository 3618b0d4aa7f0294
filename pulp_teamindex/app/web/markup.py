"""The pieces every web page shares: escaping, safe links, the page shell with its one style
sheet, and the security headers. Pure.

Everything shown comes from uploads or an upstream (names, summaries, READMEs, URLs), so it is
attacker-controlled: every value is escaped, and a link is made only to an http or https URL.
The style sheet is inline and allowed by its hash in the Content-Security-Policy, which allows
no script at all: a page needs none, and markup that slipped through could run none.
"""

import base64
import hashlib
from html import escape
from urllib.parse import urlsplit

CSS = """
:root{color-scheme:light;--fg:#1b1f24;--muted:#4a5360;--bg:#fff;--line:#d0d7de;
--accent:#0b5cad;--warn-bg:#fff4d6;--warn-line:#9a6700;--bad-bg:#ffe8e6;--bad-line:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:var(--fg);background:var(--bg)}
a{color:var(--accent)}
a:not([href]){color:inherit}
a:focus-visible,summary:focus-visible,input:focus-visible,button:focus-visible{
outline:3px solid var(--accent);outline-offset:2px}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:var(--bg);padding:.5rem}
header,main,footer{max-width:60rem;margin:0 auto;padding:.75rem 1rem}
header{border-bottom:1px solid var(--line)}
header ol{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
header li+li::before{content:"/";margin-right:.25rem;color:var(--muted)}
footer{color:var(--muted);font-size:.875rem;border-top:1px solid var(--line)}
h1{font-size:1.75rem;margin:.5rem 0;overflow-wrap:anywhere}
h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid var(--line)}
h3{font-size:1.1rem;margin:1.25rem 0 .5rem}
.muted{color:var(--muted)}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
input[type=search]{flex:1 1 14rem;font:inherit;padding:.4rem .5rem;border:1px solid var(--muted);
border-radius:4px}
button{font:inherit;padding:.4rem .9rem;border:1px solid var(--accent);border-radius:4px;
background:var(--accent);color:#fff;cursor:pointer}
ul.projects{list-style:none;padding:0}
ul.projects li{padding:.6rem 0;border-bottom:1px solid var(--line)}
.badge{display:inline-block;font-size:.8rem;padding:0 .4rem;border-radius:3px;
border:1px solid var(--warn-line);background:var(--warn-bg);color:#5c3d00;margin-left:.4rem}
.badge.bad{border-color:var(--bad-line);background:var(--bad-bg);color:#7a1610}
.notice{padding:.75rem 1rem;border-left:4px solid var(--warn-line);background:var(--warn-bg)}
.notice.bad{border-color:var(--bad-line);background:var(--bad-bg)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.875rem}
pre{background:#f6f8fa;border:1px solid var(--line);padding:.75rem;overflow-x:auto}
td code{overflow-wrap:anywhere}
details{margin:.5rem 0}
summary{cursor:pointer;font-weight:600}
summary .muted{font-weight:400}
.readme{overflow-wrap:anywhere}
.readme h1{font-size:1.5rem}.readme h2{font-size:1.25rem}.readme h3{font-size:1.1rem}
td.nowrap{white-space:nowrap}
.readme img{max-width:100%}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;overflow-wrap:anywhere}
@media (max-width:40rem){body{font-size:15px}h1{font-size:1.4rem}
dl.facts{grid-template-columns:1fr}th.opt,td.opt{display:none}}
""".strip()

_STYLE_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
CSP = "; ".join(
    [
        "default-src 'none'",
        f"style-src 'sha256-{_STYLE_HASH}'",
        "img-src 'self' https: data:",  # README badges and pictures; never a script
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a private index's paths never leave with a click
}
SAFE_SCHEMES = ("http", "https")


def esc(value):
    """Text for HTML content or a quoted attribute; None is empty."""
    return escape("" if value is None else str(value), quote=True)


def safe_url(url):
    """`url` when it is an absolute http or https URL, else None (`javascript:`, `data:`,
    relative or malformed URLs are never made links)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    if any(ord(character) < 33 for character in url):  # no whitespace or control characters
        return None
    return url


def external_link(url, text):
    """A link to an outside page, or the text alone when `url` is not safe to link."""
    href = safe_url(url)
    if href is None:
        return esc(text)
    return f'<a href="{esc(href)}" rel="nofollow noopener noreferrer">{esc(text)}</a>'


def page(title, crumbs, body, description=""):
    """A whole HTML page: `crumbs` are (href or None, text) pairs, the last the current page;
    `body` is markup already escaped by its maker."""
    items = "".join(
        _crumb(href, text, last=i == len(crumbs) - 1) for i, (href, text) in enumerate(crumbs)
    )
    meta = f'<meta name="description" content="{esc(description)}">' if description else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{meta}<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<a class="skip" href="#main">Skip to the content</a>\n'
        f'<header><nav aria-label="Breadcrumb"><ol>{items}</ol></nav></header>\n'
        f'<main id="main">\n{body}\n</main>\n'
        "<footer>A Python package index served by Pulp (pulp_teamindex).</footer>\n"
        "</body>\n</html>\n"
    )


def _crumb(href, text, last):
    if last or href is None:
        current = ' aria-current="page"' if last else ""
        return f"<li><span{current}>{esc(text)}</span></li>"
    return f'<li><a href="{esc(href)}">{esc(text)}</a></li>'


def code_block(text, label):
    """A copyable block of configuration, named for screen readers."""
    return f'<pre aria-label="{esc(label)}" tabindex="0"><code>{esc(text)}</code></pre>'


def size_text(size):
    """Bytes as a person reads them (1.2 kB, 3.4 MB), with the exact count kept in a title."""
    value = float(size or 0)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            shown = f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
            return f'<span title="{int(size or 0)} bytes">{shown}</span>'
        value /= 1000
    return ""  # pragma: no cover (the loop always returns)
