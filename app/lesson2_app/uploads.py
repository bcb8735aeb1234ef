"""Reads one uploaded file from a multipart form, refusing oversized bodies as they stream in.

    data = await read_upload(request, max_bytes=10 * 2**20)   # the file's bytes
    # or an HTTPException: 413 too large, 415 not a form, 400 no file / empty / malformed

The size is checked twice: first the declared Content-Length (a lie is caught later), then the
bytes actually received, counted chunk by chunk, so a huge upload is stopped after at most
`max_bytes` plus one chunk, without ever being held in memory or written to disk whole.
"""

from starlette.exceptions import HTTPException
from starlette.requests import Request

FIELD = "file"  # the form field the page and the API use for the image
FORM_OVERHEAD = 64 * 1024  # room for the multipart boundaries and part headers around the file


def too_large(max_bytes):
    mb = max_bytes / 2**20
    return HTTPException(
        413, f"the upload is larger than the {mb:g} MB limit: send a smaller image"
    )


class _BodyTooLarge(Exception):
    """More bytes arrived than the limit allows."""


def limit_body(receive, max_bytes):
    """An ASGI `receive` that raises once the request body passes `max_bytes`."""
    seen = 0

    async def receive_limited():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                raise _BodyTooLarge
        return message

    return receive_limited


def _check_declared_length(request, max_body):
    declared = request.headers.get("content-length")
    if declared is None:
        return  # a chunked upload: only the byte count can tell
    if not declared.isdigit():
        raise HTTPException(400, f"the Content-Length header {declared!r} is not a number")
    if int(declared) > max_body:
        raise too_large(max_body - FORM_OVERHEAD)


def _check_form_type(request):
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise HTTPException(
            415,
            f"expected a multipart/form-data upload, got {content_type or 'no Content-Type'}: "
            f"send the image as form field {FIELD!r} (curl -F {FIELD}=@picture.jpg ...)",
        )


async def read_upload(request, max_bytes):
    """The bytes of the file in form field FIELD, at most `max_bytes` long."""
    max_body = max_bytes + FORM_OVERHEAD
    _check_form_type(request)
    _check_declared_length(request, max_body)
    limited = Request(request.scope, limit_body(request.receive, max_body))
    try:
        async with limited.form(max_files=1, max_fields=8, max_part_size=FORM_OVERHEAD) as form:
            upload = form.get(FIELD)
            if upload is None or isinstance(upload, str):
                raise HTTPException(
                    400, f"no file in the upload: send the image in a form field named {FIELD!r}"
                )
            if upload.size is not None and upload.size > max_bytes:
                raise too_large(max_bytes)
            data = await upload.read()
    except _BodyTooLarge:
        raise too_large(max_bytes) from None
    if not data:
        raise HTTPException(400, f"the file {upload.filename!r} is empty: choose another image")
    return data
