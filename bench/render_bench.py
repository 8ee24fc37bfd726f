"""Certificates rendered per second on one core, and their size, against a baseline.

Run from the repository root: ``.venv/bin/python -m bench.render_bench [COUNT] [RUNS]``
(``--smoke``: 5 certificates, 1 run).
Prints one figure per line. The baseline is a one-page ReportLab PDF with a
single line of Helvetica (no embedded fonts, no QR code), so the ratio shows
what the certificate itself costs.
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


def measure(
    render: Callable[[CertificateData], bytes], batch: list[CertificateData], runs: int
) -> tuple[float, float]:
    """Median PDFs per second over ``runs`` runs, and the median PDF size in bytes."""
    rates, sizes = [], []
    for _ in range(runs):
        started = time.perf_counter()
        sizes = [len(render(data)) for data in batch]
        rates.append(len(batch) / (time.perf_counter() - started))
    return statistics.median(rates), statistics.median(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int, nargs="?", default=200, help="certificates per run")
    parser.add_argument("runs", type=int, nargs="?", default=5)
    args = parse_args(parser, count=5, runs=1)
    count, runs = args.count, args.runs
    check_fonts()  # font parsing happens once per worker process, not per PDF
    batch = certificates(count)
    render_pdf(batch[0])  # warm up imports and caches
    rate, size = measure(render_pdf, batch, runs)
    base_rate, base_size = measure(baseline_pdf, batch, runs)
    print(f"certificates: {count} per run, {runs} runs, one process (one core)")
    print(f"certificate_pdfs_per_second {rate:.1f}")
    print(f"certificate_median_bytes {size:.0f}")
    print(f"baseline_pdfs_per_second {base_rate:.1f}")
    print(f"baseline_median_bytes {base_size:.0f}")
    print(f"certificate_cost_vs_baseline {base_rate / rate:.1f}x")


if __name__ == "__main__":
    main()
