"""A file posted to ``POST /verify``, hashed while it arrives and never stored.

The cap (``MAX_UPLOAD_BYTES``) is enforced before and while reading: a
``Content-Length`` over it is refused before a byte of the body is read, and
the bytes actually received are counted, so a body that lies about its length
(or sends none, chunked) is cut off at the cap. Nothing is written anywhere:
the file's bytes pass through sha256 and are held in memory (never more than
the cap) so that the PDF's signature can be validated too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.exceptions import HTTPException

#: Room for the form around the file: boundaries and each part's headers.
FORM_OVERHEAD = 16 * 1024
TOO_LARGE = "That file is too large to be a certificate."


@dataclass
class Upload:
    """What the form's file field held: its name as sent, its bytes, sha256 and size."""

    filename: str = ""
    size: int = 0
    found: bool = False
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)
    _content: bytearray = field(default_factory=bytearray, repr=False)

    @property
    def content(self) -> bytes:
        return bytes(self._content)

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()


class _Part:
    """The multipart callbacks: headers of the current part, then its bytes to the digest."""

    def __init__(self, upload: Upload, field_name: str, cap: int) -> None:
        self.upload, self.field_name, self.cap = upload, field_name, cap
        self.header, self.value = b"", b""
        self.headers: dict[bytes, bytes] = {}
        self.in_file = False

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self.begin,
            "on_header_field": lambda d, s, e: setattr(self, "header", self.header + d[s:e]),
            "on_header_value": lambda d, s, e: setattr(self, "value", self.value + d[s:e]),
            "on_header_end": self.header_end,
            "on_headers_finished": self.headers_finished,
            "on_part_data": self.data,
        }

    def begin(self) -> None:
        self.headers, self.in_file = {}, False

    def header_end(self) -> None:
        self.headers[self.header.lower()] = self.value
        self.header, self.value = b"", b""

    def headers_finished(self) -> None:
        _, options = parse_options_header(self.headers.get(b"content-disposition"))
        is_file = options.get(b"name") == self.field_name.encode() and b"filename" in options
        self.in_file = is_file and not self.upload.found
        if self.in_file:
            self.upload.found = True
            self.upload.filename = options[b"filename"].decode("utf-8", "replace")

    def data(self, data: bytes, start: int, end: int) -> None:
        if not self.in_file:
            return
        self.upload.size += end - start
        if self.upload.size > self.cap:
            raise HTTPException(413, TOO_LARGE)
        self.upload._digest.update(data[start:end])
        self.upload._content += data[start:end]


async def read_upload(request: Request, field_name: str, cap: int) -> Upload:
    """Hash the file in ``field_name`` of a multipart form, refusing it past ``cap`` bytes."""
    limit = cap + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise HTTPException(413, TOO_LARGE)
    content_type, options = parse_options_header(request.headers.get("content-type"))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise HTTPException(400, "Choose a PDF file to check.")
    upload = Upload()
    parser = MultipartParser(options[b"boundary"], _Part(upload, field_name, cap).callbacks())  # type: ignore[arg-type]
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise HTTPException(413, TOO_LARGE)
            parser.write(chunk)
        parser.finalize()
    except MultipartParseError:
        raise HTTPException(400, "Choose a PDF file to check.") from None
    if not upload.found:
        raise HTTPException(400, "Choose a PDF file to check.")
    return upload
