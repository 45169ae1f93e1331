#!/usr/bin/env python3
"""Writes the demo Office and PDF files the fakes serve, and files.json describing them.

Each file is built with a well-known writer (python-docx, openpyxl, python-pptx, fpdf2) from the
text of a document in ../demo.json, so a test can extract it and compare with that text. A few are
hostile on purpose: a ZIP bomb whose headers lie about its size, an encrypted PDF, a truncated
docx and a scanned PDF without a text layer.

Deterministic: timestamps and metadata are fixed and ZIP entries are rewritten with a fixed date,
so re-running produces identical bytes. Run it with `make demo-files`; the output is checked in.
"""
import datetime
import io
import json
import pathlib
import re
import struct
import zipfile

import docx
import openpyxl
import pptx
from fpdf import FPDF
from PIL import Image, ImageDraw

HERE = pathlib.Path(__file__).parent
CORPUS = json.loads((HERE.parent / "demo.json").read_text())
FIXED = datetime.datetime(2026, 1, 5, 9, 0, 0, tzinfo=datetime.timezone.utc)
ZIP_DATE = (2026, 1, 5, 9, 0, 0)
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
# Bytes the ZIP bomb's sheet inflates to: over the extractor's default 64 MiB cap.
BOMB_BYTES = 72 * 1024 * 1024


def doc(title):
    return next(d for d in CORPUS["documents"] if d["title"] == title)


def lines(text):
    """The corpus markup as (kind, level, text): heading, bullet, quote, code or para."""
    out, code = [], False
    for line in text.splitlines():
        if line.strip() == "```":
            code = not code
            continue
        stripped = line.lstrip(" ")
        level = (len(line) - len(stripped)) // 2
        if code:
            out.append(("code", 0, line))
        elif stripped.startswith("# "):
            out.append(("heading", 0, stripped[2:]))
        elif stripped.startswith("- "):
            out.append(("bullet", level, stripped[2:]))
        elif stripped.startswith("> "):
            out.append(("quote", 0, stripped[2:]))
        elif stripped:
            out.append(("para", 0, stripped))
    return out


def fixed_zip(raw):
    """The same package with every entry dated ZIP_DATE and in a stable order."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = src.read(name)
            if name == "docProps/core.xml":
                # openpyxl stamps the save time whatever the properties say.
                stamp = FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            dst.writestr(info, data)
    return out.getvalue()


def saved(obj):
    buf = io.BytesIO()
    obj.save(buf)
    return fixed_zip(buf.getvalue())


def make_docx(source):
    d = docx.Document()
    props = d.core_properties
    props.author, props.last_modified_by, props.title = source["owner_name"], source["owner_name"], source["title"]
    props.created = props.modified = FIXED.replace(tzinfo=None)
    props.revision = 1
    for kind, level, text in lines(source["text"]):
        if kind == "heading":
            d.add_heading(text, 1)
        elif kind == "bullet":
            d.add_paragraph(text, style="List Bullet 2" if level else "List Bullet")
        elif kind == "quote":
            d.add_paragraph(text, style="Quote")
        else:
            d.add_paragraph(text)
    return saved(d)


def make_xlsx(tracker, budget):
    wb = openpyxl.Workbook()
    wb.properties.creator = tracker["owner_name"]
    wb.properties.created = wb.properties.modified = FIXED.replace(tzinfo=None)
    ws = wb.active
    ws.title = "Tracker"
    for i, row in enumerate(tracker["text"].strip().splitlines()):
        ws.append([c if i == 0 or not c.lstrip("-").isdigit() else int(c) for c in row.split(",")])
    alloc = wb.create_sheet("Allocations")
    alloc.append(["Department", "Share"])
    section = False
    for kind, level, text in lines(budget["text"]):
        if kind == "heading":
            section = text == "Department allocations"
        elif section and kind == "bullet" and level == 0:
            name, share = text.split(": ", 1)
            alloc.append([name, share])
    return saved(wb)


def make_pptx(source):
    deck = pptx.Presentation()
    props = deck.core_properties
    props.author, props.last_modified_by, props.title = source["owner_name"], source["owner_name"], source["title"]
    props.created = props.modified = FIXED.replace(tzinfo=None)
    props.revision = 1
    slides, current = [], None
    for kind, level, text in lines(source["text"]):
        if kind == "heading":
            current = (text, [])
            slides.append(current)
        elif current is not None:
            current[1].append((level, text))
    for title, body in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        frame = slide.placeholders[1].text_frame
        for i, (level, text) in enumerate(body):
            para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            para.text, para.level = text, level
    return saved(deck)


def new_pdf(source):
    pdf = FPDF()
    pdf.set_creation_date(FIXED)
    pdf.set_title(source["title"])
    pdf.set_author(source["owner_name"])
    pdf.set_margins(20, 20)
    return pdf


def make_pdf(source, password=None):
    pdf = new_pdf(source)
    if password is not None:
        # An empty user password only restricts copying and printing: readers open it.
        pdf.set_encryption(owner_password="acme-owner", user_password=password)
    pdf.add_page()
    for kind, level, text in lines(source["text"]):
        if kind == "heading":
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", "", 11)
            prefix = {"bullet": "- ", "quote": "> "}.get(kind, "")
            pdf.set_x(20 + 6 * level)
            pdf.multi_cell(0, 6, prefix + text, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def make_scanned_pdf(source):
    """A page that is only an image of text: what a scanner produces, with no text layer."""
    image = Image.new("L", (600, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 580, 180), outline=0, width=3)
    for i in range(6):
        draw.line((40, 50 + 20 * i, 400 + 25 * i, 50 + 20 * i), fill=60, width=6)
    pdf = new_pdf(source)
    pdf.add_page()
    pdf.image(image, x=20, y=20, w=170)
    return bytes(pdf.output())


def make_bomb(readable):
    """An xlsx whose first sheet is fine and whose second inflates to BOMB_BYTES while its ZIP
    headers declare 4 KiB."""
    src = zipfile.ZipFile(io.BytesIO(readable))
    sheet = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><!--'
             + b" " * BOMB_BYTES + b"--><sheetData/></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, sheet if name == "xl/worksheets/sheet2.xml" else src.read(name), compresslevel=9)
    raw = bytearray(out.getvalue())
    lie = struct.pack("<I", 4096)
    entry = zipfile.ZipFile(io.BytesIO(bytes(raw))).getinfo("xl/worksheets/sheet2.xml")
    raw[entry.header_offset + 22:entry.header_offset + 26] = lie  # local header
    name = b"xl/worksheets/sheet2.xml"
    pos = raw.find(b"PK\x01\x02")
    while pos != -1:
        name_len = struct.unpack_from("<H", raw, pos + 28)[0]
        if raw[pos + 46:pos + 46 + name_len] == name:
            raw[pos + 24:pos + 28] = lie  # central directory
        pos = raw.find(b"PK\x01\x02", pos + 4)
    return bytes(raw)


def entry(file, source, id_, title, kind, origin, expect, **doc_fields):
    return {"file": file, "source": source, "id": id_, "title": title, "mime": MIME[kind],
            "from": origin, "expect": expect, **doc_fields}


def owned(d, acl=None):
    return {"owner": d["owner"], "owner_name": d["owner_name"], "modified": d["modified"],
            "acl": acl or d["acl"], "text": d["text"]}


def hostile(title, text, acl):
    d = doc("Vendor procurement policy")
    return {"owner": d["owner"], "owner_name": d["owner_name"], "modified": "2026-08-20T08:00:00.000Z",
            "acl": acl, "text": text + "\n"}


def main():
    design = doc("Design doc: workplace search ranking")
    tracker = doc("Quarterly budget tracker FY2027")
    q1 = doc("FY2027 Q1 Quarterly Budget")
    planning = doc("Q4 Planning: Company Priorities")
    postmortem = doc("Postmortem: data export timeout")
    architecture = doc("Architecture overview 2026")
    marketing = doc("Marketing budget plan 2027.docx")
    security = doc("Information security policy.pdf")
    scan = doc("Vendor quarterly budget invoice scan.pdf")

    blobs = {
        "design-doc-search-ranking.docx": make_docx(design),
        "budget-tracker-fy2027.xlsx": make_xlsx(tracker, q1),
        "q4-planning-company-priorities.pptx": make_pptx(planning),
        "postmortem-data-export-timeout.pdf": make_pdf(postmortem),
        "architecture-overview-2026.pptx": make_pptx(architecture),
        "marketing-budget-plan-2027.docx": make_docx(marketing),
        "information-security-policy.pdf": make_pdf(security),
        "vendor-invoice-scan.pdf": make_scanned_pdf(scan),
        "bank-statement-protected.pdf": make_pdf(postmortem, password="acme-secret"),
        # Not served; the extractor's tests read it: encrypted, but with an empty user password.
        "restricted-security-policy.pdf": make_pdf(security, password=""),
    }
    blobs["expense-archive-bomb.xlsx"] = make_bomb(blobs["budget-tracker-fy2027.xlsx"])
    design_docx = blobs["design-doc-search-ranking.docx"]
    blobs["board-minutes-truncated.docx"] = design_docx[: len(design_docx) * 6 // 10]

    drv = lambda n: f"1AcmeDrvF{n:02d}x7Hq2LmZ9pR4tW"  # noqa: E731
    spo = lambda n: f"01ACMESPF{n:03d}Q3ZWBTUFOFD3GSPGO"  # noqa: E731
    files = [
        # Uploaded (non-Google) files in Drive, read with alt=media.
        entry("design-doc-search-ranking.docx", "google_drive", drv(1), "Design doc - workplace search ranking.docx",
              "docx", design["title"], "text", **owned(design)),
        entry("budget-tracker-fy2027.xlsx", "google_drive", drv(2), "Budget tracker FY2027.xlsx", "xlsx",
              tracker["title"], "sheets", **owned(tracker)),
        entry("q4-planning-company-priorities.pptx", "google_drive", drv(3), "Q4 Planning - Company Priorities.pptx",
              "pptx", planning["title"], "slides", **owned(planning)),
        entry("postmortem-data-export-timeout.pdf", "google_drive", drv(4), "Postmortem - data export timeout.pdf",
              "pdf", postmortem["title"], "text", **owned(postmortem)),
        entry("vendor-invoice-scan.pdf", "google_drive", scan["id"], scan["title"], "pdf", None, "no_text_layer"),
        entry("expense-archive-bomb.xlsx", "google_drive", drv(5), "Expense archive 2026.xlsx", "xlsx", None,
              "zip_bomb", **hostile("Expense archive 2026", "Expense archive 2026, all receipts.", ["finance"])),
        entry("bank-statement-protected.pdf", "google_drive", drv(6), "Bank statement (protected).pdf", "pdf", None,
              "encrypted", **hostile("Bank statement", "Bank statement, password protected.", ["finance"])),
        entry("board-minutes-truncated.docx", "google_drive", drv(7), "Board minutes draft.docx", "docx", None,
              "corrupt", **hostile("Board minutes", "Board minutes draft, upload interrupted.", ["leadership"])),
        # SharePoint / OneDrive driveItems, read through /content's 302.
        entry("marketing-budget-plan-2027.docx", "sharepoint", marketing["id"], marketing["title"], "docx",
              marketing["title"], "text"),
        entry("information-security-policy.pdf", "sharepoint", security["id"], security["title"], "pdf",
              security["title"], "text"),
        entry("architecture-overview-2026.pptx", "sharepoint", spo(1), "Architecture overview 2026.pptx", "pptx",
              architecture["title"], "slides", **owned(architecture, ["all"])),
        entry("budget-tracker-fy2027.xlsx", "sharepoint", spo(2), "Budget tracker FY2027.xlsx", "xlsx",
              tracker["title"], "sheets", **owned(tracker)),
        entry("expense-archive-bomb.xlsx", "sharepoint", spo(3), "Expense archive 2026.xlsx", "xlsx", None,
              "zip_bomb", **hostile("Expense archive 2026", "Expense archive 2026, all receipts.", ["finance"])),
        entry("bank-statement-protected.pdf", "sharepoint", spo(4), "Bank statement (protected).pdf", "pdf", None,
              "encrypted", **hostile("Bank statement", "Bank statement, password protected.", ["finance"])),
        entry("board-minutes-truncated.docx", "sharepoint", spo(5), "Board minutes draft.docx", "docx", None,
              "corrupt", **hostile("Board minutes", "Board minutes draft, upload interrupted.", ["leadership"])),
    ]
    for name, blob in blobs.items():
        (HERE / name).write_bytes(blob)
    (HERE / "files.json").write_text(json.dumps({"files": files}, indent=1) + "\n")
    for name, blob in sorted(blobs.items()):
        print(f"{len(blob):>8}  {name}")


if __name__ == "__main__":
    main()
