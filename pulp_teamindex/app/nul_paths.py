"""A NUL character can never name anything this plugin serves: PostgreSQL refuses NUL in text,
so a path holding one (`%00`) would reach a query and fail with a 500. Such requests are
answered 404 before any lookup, in the content app and on the twine upload endpoint."""

from aiohttp import web

NUL = "\x00"


def has_nul(*texts):
    return any(NUL in (text or "") for text in texts)


@web.middleware
async def refuse_nul_paths(request, handler):
    if has_nul(request.path):
        raise web.HTTPNotFound(text="No such path: it contains a NUL character.\n")
    return await handler(request)
