"""Certificates rendered per CPU second, and their size, against a baseline.

Run from the repository root: ``.venv/bin/python -m bench.render_bench [COUNT] [RUNS]``
(``--smoke``: 5 certificates, 1 run).
Prints one figure per line. The baseline is a one-page ReportLab PDF with a
single line of Helvetica (no embedded fonts, no QR code), so the ratio shows
what the certificate itself costs. Times are the process's CPU time
(``time.process_time``), runs interleaved (certificate, baseline, templated,
certificate...), medians over the runs: on a machine shared with other work,
wall-clock time measured the neighbours as much as the render.

Three kinds of certificate: certflow's own look (``certificate``), an issuer's
modern template with a logo, two signature images and a background, in Arabic
one time in three, Japanese the next (``templated``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import statistics
import time
from collections.abc import Callable

from reportlab.pdfgen.canvas import Canvas

from bench._smoke import parse_args
from render.certificate import CertificateData, render_pdf
from render.fonts import check_fonts
from render.images import validate_image
from render.template import Colours, Image, Signatory, Template

NAMES = (
    "Amélie Dubois-Lefèvre",
    "Łukasz Żółkiewski",
    "Юлия Соколова",
    "Ελένη Παπαδοπούλου",
    "王小明",
    "山田はなこ",
    "김민준",
    "Nguyễn Thị Ánh",
    "Oluwaseun Adeyemi",
    "María José García Fernández de la Vega",
)


def certificates(count: int) -> list[CertificateData]:
    """``count`` certificates with varied names, ids and dates."""
    base = CertificateData(
        certificate_id="",
        learner_name="",
        bootcamp_title="Solidity Foundations Bootcamp",
        cohort_name="Cohort 7 — Lagos",
        completion_date=dt.date(2025, 3, 12),
        total_xp=0,
        chain_id=84532,
        lock_address="0x" + "a1b2" * 10,
        key_tx_hash="0x" + "9c" * 32,
        attestation_uid="0x" + "5e1f" * 16,
        verify_url="",
    )
    return [
        dataclasses.replace(
            base,
            certificate_id=f"cert-{index:06d}",
            learner_name=f"{NAMES[index % len(NAMES)]} {index}",
            completion_date=base.completion_date + dt.timedelta(days=index % 300),
            total_xp=100 * index,
            verify_url=f"https://certflow.example/verify/cert-{index:06d}",
        )
        for index in range(count)
    ]


def baseline_pdf(data: CertificateData) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=1, pageCompression=1)
    canvas.drawString(72, 720, f"{data.learner_name} completed {data.bootcamp_title}")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _image(fmt: str, size: tuple[int, int], colour: str) -> Image:
    from PIL import Image as PILImage
    from PIL import ImageDraw

    picture = PILImage.new("RGBA" if fmt == "PNG" else "RGB", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(picture)
    for step in range(0, size[0], 12):
        draw.line([(step, 0), (size[0] - step, size[1])], fill=colour, width=3)
    buffer = io.BytesIO()
    picture.save(buffer, fmt)
    return validate_image(buffer.getvalue())


def issuer_template() -> Template:
    """A modern template with every image a template can have."""
    signature = _image("PNG", (300, 100), "#14205A")
    return Template(
        key="bench-modern-v1",
        layout="modern",
        font_family="sans",
        colours=Colours(primary="#0B3D2E", accent="#E0A526", paper="#FFFFFF", ink="#1B1B1B"),
        logo=_image("PNG", (360, 120), "#C83C28"),
        background=_image("JPEG", (842, 595), "#E6E1F5"),
        signatories=(
            Signatory("Grace Hopper", "Program Director", signature),
            Signatory("Alan Turing", "Head of Faculty", signature),
        ),
        fields=frozenset({"cohort", "total_xp", "score"}),
    )


def templated(batch: list[CertificateData]) -> list[CertificateData]:
    template = issuer_template()
    locales = ("en", "ar", "ja")
    return [
        dataclasses.replace(data, template=template, locale=locales[index % 3])
        for index, data in enumerate(batch)
    ]


@dataclasses.dataclass
class Series:
    """One kind of PDF: CPU seconds per PDF of each run, and the sizes."""

    render: Callable[[CertificateData], bytes]
    batch: list[CertificateData]
    per_pdf: list[float] = dataclasses.field(default_factory=list)
    sizes: list[int] = dataclasses.field(default_factory=list)

    def run(self) -> None:
        started = time.process_time()
        self.sizes = [len(self.render(data)) for data in self.batch]
        self.per_pdf.append((time.process_time() - started) / len(self.batch))

    @property
    def median(self) -> float:
        return statistics.median(self.per_pdf)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=200, help="certificates per run")
    parser.add_argument("runs", type=int, nargs="?", default=5)
    args = parse_args(parser, count=5, runs=1)
    count, runs = args.count, args.runs
    check_fonts()  # font parsing happens once per worker process, not per PDF
    batch = certificates(count)
    series = {
        "certificate": Series(render_pdf, batch),
        "baseline": Series(baseline_pdf, batch),
        "templated": Series(render_pdf, templated(batch)),
    }
    for one in series.values():  # warm up imports and per-process caches
        one.render(one.batch[0])
    for _ in range(runs):
        for one in series.values():
            one.run()
    base = series["baseline"].median
    print(f"certificates: {count} per run, {runs} runs, one process, CPU time")
    for name, one in series.items():
        print(f"{name}_cpu_ms_median {one.median * 1000:.2f}")
        print(f"{name}_pdfs_per_cpu_second {1 / one.median:.1f}")
        print(f"{name}_median_bytes {statistics.median(one.sizes):.0f}")
    print(f"certificate_cost_vs_baseline {series['certificate'].median / base:.1f}x")
    print(f"templated_cost_vs_baseline {series['templated'].median / base:.1f}x")


if __name__ == "__main__":
    main()
