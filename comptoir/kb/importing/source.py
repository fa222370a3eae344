"""Read the file a shop gives us: refuse what is not a FAQ, decode it, tell CSV from HTML.

Every refusal happens here, before any parsing, and says what the person can do about
it ("save it as CSV"), because the people importing a FAQ are shop owners exporting from
Excel or saving a page from their browser, and they will try again with a better file.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from comptoir.kb.importing.csv_reader import sniff_delimiter
from comptoir.kb.importing.entries import MAX_FILE_BYTES, ImportRefused

FORMATS = ("auto", "csv", "html")
_CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
_HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml"}
# Files people reach for first; each gets the advice that turns it into something we read.
_OTHER_FILES = {
    ".xlsx": "an Excel workbook: open it in Excel and save it as « CSV (séparateur : point-virgule) »",
    ".xls": "an Excel workbook: open it in Excel and save it as « CSV (séparateur : point-virgule) »",
    ".ods": "a LibreOffice spreadsheet: save it as CSV (Text CSV)",
    ".numbers": "a Numbers spreadsheet: export it as CSV",
    ".pdf": "a PDF: export the FAQ as CSV, or save the FAQ web page as HTML",
    ".docx": "a Word document: copy the FAQ into a spreadsheet and save it as CSV",
    ".doc": "a Word document: copy the FAQ into a spreadsheet and save it as CSV",
    ".odt": "a text document: copy the FAQ into a spreadsheet and save it as CSV",
    ".mhtml": "a web archive: save the page as « Page web, HTML uniquement »",
    ".mht": "a web archive: save the page as « Page web, HTML uniquement »",
    ".webarchive": "a web archive: save the page as « Page source »",
}
_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html[\s>]|<\?xml[^>]*>\s*<!doctype html)", re.I)
_HTML_TAG = re.compile(r"<(html|head|body|details|dl|h[1-6]|p|div|section|script)[\s>]", re.I)


@dataclass(frozen=True)
class SourceText:
    """The decoded text, the encoding that worked and the format it will be read as."""

    text: str
    encoding: str
    format: str


def _check_size(path: Path) -> None:
    """Refuse a missing, empty or over-large file without reading a byte of it."""
    try:
        size = path.stat().st_size
    except OSError:
        raise ImportRefused("the file does not exist or cannot be opened.") from None
    if not path.is_file():
        raise ImportRefused("it is a folder, not a file.")
    if size == 0:
        raise ImportRefused("the file is empty.")
    if size > MAX_FILE_BYTES:
        raise ImportRefused(
            f"the file is {size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB. Split the FAQ into smaller files."
        )


def _refuse_binary(path: Path, data: bytes) -> None:
    """Spreadsheets and PDFs renamed .csv are common; name what the file really is."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(
            "it is a zipped file (an Excel .xlsx or OpenDocument file?), not CSV or "
            "HTML: save it as CSV."
        )
    if data.startswith(b"%PDF"):
        raise ImportRefused("it is a PDF, not CSV or HTML.")
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused("it is a binary file, not CSV or HTML.")


def decode(path: Path, data: bytes) -> tuple[str, str]:
    """The text and its encoding: UTF-8 (with or without BOM), UTF-16 with BOM, cp1252.

    French Excel saves CSV in Windows-1252 ("CSV (séparateur : point-virgule)") and in
    UTF-8 with a BOM ("CSV UTF-8"); strict UTF-8 first is safe because cp1252 text with
    accents is almost never valid UTF-8, while the reverse guess would turn every "é"
    into "Ã©".
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]  # Excel's « Texte Unicode »
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
    raise ImportRefused(
        "it is not readable as UTF-8 or Windows-1252 text: save it as « CSV UTF-8 »."
    )


def _detect_format(path: Path, text: str) -> str:
    """From the extension, unless the content plainly says otherwise, else from content."""
    suffix = path.suffix.lower()
    if _HTML_START.match(text) or suffix in _HTML_SUFFIXES:
        return "html"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    if _HTML_TAG.search(text[:8192]):
        return "html"
    if sniff_delimiter(text) is not None:
        return "csv"
    raise ImportRefused(
        "it is neither CSV (question and answer columns) nor an HTML page: "
        "give a .csv export or a saved FAQ page (.html)."
    )


def read_source(path: Path, fmt: str = "auto") -> SourceText:
    """Check, read and decode ``path``; ``fmt`` forces csv or html, ``auto`` detects."""
    if fmt not in FORMATS:
        raise ImportRefused(f"unknown format '{fmt}' (use auto, csv or html).")
    _check_size(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ImportRefused(f"the file cannot be read: {error.strerror or error}.") from None
    if len(data) > MAX_FILE_BYTES:  # it grew between the check and the read
        _check_size(path)
        raise ImportRefused(f"the file is over the {MAX_FILE_BYTES // 1024 // 1024} MB limit.")
    if fmt == "auto" and path.suffix.lower() in _OTHER_FILES:
        raise ImportRefused(f"it is {_OTHER_FILES[path.suffix.lower()]}.")
    _refuse_binary(path, data)
    text, encoding = decode(path, data)
    if not text.strip():
        raise ImportRefused("the file contains only blank space.")
    return SourceText(text, encoding, _detect_format(path, text) if fmt == "auto" else fmt)
