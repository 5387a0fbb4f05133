"""``soc report periodic | incident | breach``: the documents sent to the ministry, in every requested format."""

from __future__ import annotations

import warnings
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.markup import escape

from soc.commands.common import HELP, choices, err, fail, load_config, out, read_config, shown, wanted_formats

if TYPE_CHECKING:
    from soc.report.writer import Written

app = typer.Typer(help="Write reports.", no_args_is_help=True, context_settings=HELP)
PERIODS = ("week", "month", "quarter", "custom")


def _show(written: Written) -> None:
    """Each file written, then each format that failed and why (stderr); exit 1 when any failed."""
    for path in written.values():
        out.print(f"report written: {escape(str(path))}")
    for fmt, reason in written.failed.items():
        err.print(f"[red]error:[/red] {escape(fmt)}: {escape(reason)}")
    if written.failed:
        raise typer.Exit(1)


@app.command("periodic")
def periodic(
    period: Annotated[str | None, typer.Option(
        "--period", help="week | month | quarter | custom, any case (default: month, the last full month in the "
                         "configured zone; custom when --from/--to are given)")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD, local)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, inclusive (YYYY-MM-DD, local)")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="One Markdown file instead of --out-dir")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory (default: <data-dir>/reports)")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: docx,pdf,xlsx,csv,md,json")] = (
        "docx,pdf,xlsx,md,json"),
) -> None:
    """The periodic monitoring report (DOCX per Decree 30/2020, PDF, XLSX annex, Markdown, JSON).

    With no option: the last full month (in the configured zone).

    week/month/quarter without --from: the last complete one; with --from: the one holding it.

    File names are deterministic: re-running replaces.
    """
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.report.monitoring import resolve_period
    from soc.report.publish import write_monitoring
    from soc.report.writer import FORMATS

    (kind,) = choices([period or ("custom" if start or end else "month")], PERIODS, "period")
    wanted = wanted_formats(formats, FORMATS) if out_file is None else ()
    cfg = read_config()
    try:
        d0 = date.fromisoformat(start) if start else None
        d1 = date.fromisoformat(end) if end else None
        d0, d1 = resolve_period(kind, d0, d1, datetime.now(ZoneInfo(cfg.timezone)).date())
    except ValueError as exc:
        fail(f"{exc} (dates are YYYY-MM-DD)", 2)
    if d1 < d0:
        fail("--to is before --from", 2)
    if out_file is not None:
        # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
        from soc.report.publish import write_period_markdown

        out.print(f"report written: {escape(str(write_period_markdown(cfg, d0, d1, out_file)))}")
        return
    _show(write_monitoring(cfg, d0, d1, out_dir or cfg.data_dir / "reports", wanted))


def _case_report(kind: str, case_id: int, final: bool, reveal: bool, out_dir: Path | None, formats: str) -> None:
    # the stage loads with its command: `soc alerts` from cron never loads pandas, DuckDB or Textual
    from soc.report.incident import CaseNotFound
    from soc.report.publish import write_case_report
    from soc.report.writer import FORMATS

    wanted = wanted_formats(formats, FORMATS)
    cfg = read_config()
    try:
        written = write_case_report(cfg, kind, case_id, final, reveal, out_dir or cfg.data_dir / "reports", wanted)
    except CaseNotFound as exc:
        fail(str(exc))
    _show(written)


@app.command("incident")
def incident(
    case_id: Annotated[int, typer.Argument(help="Case number")],
    final: Annotated[bool, typer.Option("--final", help="Closing report (Mẫu 04) instead of initial (Mẫu 03)")] = False,
    reveal: Annotated[bool, typer.Option("--reveal", help="Do not mask personal data (audited)")] = False,
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory (default: <data-dir>/reports)")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated formats")] = "docx,pdf,xlsx,md,json",
) -> None:
    """Incident report of a case (Circular 20/2017 forms)."""
    _case_report("incident", case_id, final, reveal, out_dir, formats)


@app.command("breach")
def breach(
    case_id: Annotated[int, typer.Argument(help="Case number")],
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory (default: <data-dir>/reports)")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated formats")] = "docx,pdf,xlsx,md,json",
) -> None:
    """Personal-data breach notice of a case, with the 72-hour deadline."""
    _case_report("breach", case_id, False, False, out_dir, formats)


@app.command("ioc")
def ioc(
    warning: Annotated[str, typer.Option("--warning", help="The warning's reference, as imported")],
    since: Annotated[str, typer.Option("--since", help="Period searched: 90d, 2w, or an ISO date")] = "90d",
    out_dir: Annotated[Path | None, typer.Option("--out-dir", help="Directory (default: <data-dir>/reports)")] = None,
    formats: Annotated[str, typer.Option("--format", help="Comma-separated formats")] = "docx,pdf,xlsx,md,json",
) -> None:
    """The reply to a warning with indicators: what was seen where and when, or that none was."""
    from soc.report.ioc_reply import known_warnings
    from soc.report.publish import write_ioc_reply
    from soc.report.writer import FORMATS
    from soc.timefmt import parse_when

    wanted = wanted_formats(formats, FORMATS)
    cfg = read_config()
    known = known_warnings(cfg)
    if warning not in known:
        fail(f"no indicators were imported for warning {warning!r} (known: {', '.join(known) or 'none'}); "
             "import them first: soc ioc import FILE --warning REF")
    try:
        start = parse_when(since, cfg.timezone)
    except ValueError as exc:
        fail(f"--since {since!r}: {exc}", 2)
    _show(write_ioc_reply(cfg, warning, start, out_dir or cfg.data_dir / "reports", wanted))


def _signing():
    """soc.report.sign (pyHanko and its crypto stack load with the signing commands only), or an error naming the
    extra to install."""
    try:
        with warnings.catch_warnings():  # pyHanko's import trips cryptography's DSA deprecation notice
            warnings.simplefilter("ignore")
            from soc.report import sign as signing  # heavy: pyHanko, loaded by the signing commands only
    except ImportError as exc:
        fail(f"digital signing needs the 'sign' extra ({exc.name} is missing): pip install 'soc[sign]'")
    return signing


@app.command("sign")
def sign(
    pdf: Annotated[Path, typer.Argument(help="The final report PDF")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Signed copy (default: FILE.signed.pdf)")] = None,
    p12: Annotated[Path | None, typer.Option("--p12", help="PKCS#12 file (password: SOC_SIGN_PASSWORD or "
                                                           "[sign] password_file)")] = None,
    module: Annotated[str | None, typer.Option("--pkcs11-module", help="PKCS#11 module (.so) of a USB token "
                                                                       "(PIN: SOC_SIGN_PIN or [sign] pin_file)")] = None,
    token: Annotated[str | None, typer.Option("--token", help="Token label")] = None,
    key: Annotated[str | None, typer.Option("--key", help="Label of the key and its certificate on the token")] = None,
) -> None:
    """Sign a report PDF (PAdES) with a PKCS#12 file or a PKCS#11 token; the visible signature goes where the
    signer's name stands. Passwords and PINs come from the environment or a file, never the command line;
    without options the signer comes from the config's [sign] table."""
    signing = _signing()
    cfg = load_config()
    target = out_file or pdf.with_name(f"{pdf.stem}.signed.pdf")
    try:
        spec = signing.signer_spec(cfg.raw.get("sign", {}), p12=p12, module=module, token=token, key=key)
        out.print(f"signed: {escape(str(signing.sign_pdf(pdf, target, spec, cfg.timezone)))}")
    except signing.SignError as exc:
        fail(str(exc))


@app.command("verify")
def verify(
    pdf: Annotated[Path, typer.Argument(help="A signed PDF")],
    ca: Annotated[Path | None, typer.Option("--ca", help="Trusted CA certificate(s), PEM or DER")] = None,
) -> None:
    """Print each signature's signer, signing time (configured zone) and integrity; with --ca, whether the signer
    chains to it. Exit 1 when any check fails, with the reason."""
    signing = _signing()
    cfg = load_config()
    try:
        checks = signing.verify_pdf(pdf, cfg.timezone, ca)
    except signing.SignError as exc:
        fail(str(exc))
    for c in checks:
        trust = {None: "not checked (no --ca)", True: f"trusted ({ca})", False: f"NOT trusted ({ca})"}[c.trusted]
        out.print(f"signature {shown(c.field)}\n  signer: {shown(c.signer)}\n  signed at: {shown(c.signed_at)}\n"
                  f"  integrity: {'intact' if c.intact else 'MODIFIED'}\n  trust: {escape(trust)}")
    for c in checks:
        for problem in c.problems:
            err.print(f"[red]error:[/red] {escape(str(pdf))}: signature {shown(c.field)}: {escape(problem)}")
    if any(not c.ok for c in checks):
        raise typer.Exit(1)
