"""Digital signature of a finished report PDF (PAdES baseline, pyHanko) with a PKCS#12 file or a PKCS#11 token,
and its check. Never takes a password or PIN from the command line and never rewrites the signed input in place.
"""

from __future__ import annotations

import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
from fontTools import subset, ttLib
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle

from soc.report.atomic import atomic_target
from soc.report.pdf_render import SIGNATURE_DEST

FIELD = "ChuKySo"  # the signature field's name ("digital signature")
# Where the signature goes when the PDF carries no SIGNATURE_DEST: bottom right of the last page (points, A4).
FALLBACK_BOX = (340.0, 60.0, 560.0, 140.0)
STAMP = "Ký số bởi: %(signer)s\nThời gian: %(when)s\n(giờ %(zone)s)"


class SignError(Exception):
    """A signing or reading problem a user can fix; the message names the file or setting and the fix."""


@dataclass(frozen=True)
class SignerSpec:
    """Who signs: a PKCS#12 file, or a PKCS#11 module + token label + key label; the secret is read at use."""

    p12: Path | None = None
    module: str | None = None
    token: str | None = None
    key: str | None = None  # label of the key and its certificate on the token
    key_id: bytes | None = None  # or their PKCS#11 id (config ``[sign] key_id``, hex)
    secret: str = ""  # the PKCS#12 password or the token PIN (from an environment variable or a file)


def _secret(conf: dict[str, Any], env_key: str, file_key: str, default_env: str, what: str) -> str:
    """A password/PIN from the environment variable named in ``[sign] env_key`` (default ``default_env``) or from
    the file named in ``[sign] file_key``; empty when neither is set."""
    env = str(conf.get(env_key, default_env))
    if os.environ.get(env):
        return os.environ[env]
    if conf.get(file_key):
        path = Path(str(conf[file_key])).expanduser()
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            raise SignError(f"{path}: cannot read the {what} file named in [sign] {file_key}: {exc.strerror}") from exc
    return ""


def signer_spec(conf: dict[str, Any], p12: Path | None = None, module: str | None = None, token: str | None = None,
                key: str | None = None) -> SignerSpec:
    """The signer from the command-line choices, else config ``[sign]`` (``p12``, or ``pkcs11_module``,
    ``token``, ``key``); secrets from ``SOC_SIGN_PASSWORD`` / ``SOC_SIGN_PIN`` (or the variable named in
    ``password_env`` / ``pin_env``) or the file named in ``password_file`` / ``pin_file``."""
    module = module or conf.get("pkcs11_module")
    if module and not p12:
        token, key = token or conf.get("token"), key or conf.get("key")
        key_id = None
        if not key and conf.get("key_id"):
            try:
                key_id = bytes.fromhex(str(conf["key_id"]))
            except ValueError:
                raise SignError(f"[sign] key_id {conf['key_id']!r} is not hexadecimal (e.g. \"01\")") from None
        if not token or not (key or key_id):
            raise SignError("a PKCS#11 token needs --token LABEL and --key LABEL (or [sign] token, key or key_id)")
        pin = _secret(conf, "pin_env", "pin_file", "SOC_SIGN_PIN", "PIN")
        if not pin:
            raise SignError("no token PIN: set SOC_SIGN_PIN or [sign] pin_file")
        return SignerSpec(module=str(module), token=str(token), key=str(key) if key else None, key_id=key_id,
                          secret=pin)
    p12 = p12 or (Path(str(conf["p12"])).expanduser() if conf.get("p12") else None)
    if p12 is None:
        raise SignError("no signer: give --p12 FILE or --pkcs11-module SO --token LABEL --key LABEL "
                        "(or set them in the config's [sign] table)")
    if not p12.is_file():
        raise SignError(f"{p12}: PKCS#12 file not found")
    return SignerSpec(p12=p12, secret=_secret(conf, "password_env", "password_file", "SOC_SIGN_PASSWORD",
                                              "password"))


@contextmanager
def _signer(spec: SignerSpec) -> Iterator[signers.Signer]:
    if spec.p12 is not None:
        signer = signers.SimpleSigner.load_pkcs12(str(spec.p12), passphrase=spec.secret.encode() or None)
        if signer is None:
            raise SignError(f"{spec.p12}: cannot open the PKCS#12 file (wrong password in SOC_SIGN_PASSWORD / "
                            "[sign] password_file, or not a PKCS#12 file)")
        yield signer
        return
    # python-pkcs11 is a native extension: loaded only when a token signs
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import PKCS11SignatureConfig, TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11SigningContext

    conf = PKCS11SignatureConfig(module_path=str(spec.module), token_criteria=TokenCriteria(label=spec.token),
                                 cert_label=spec.key, key_label=spec.key, cert_id=spec.key_id,
                                 key_id=spec.key_id, user_pin=spec.secret)
    try:
        with PKCS11SigningContext(conf) as signer:
            yield signer
    except (PKCS11Error, SigningError, OSError, RuntimeError) as exc:
        raise SignError(f"PKCS#11 token {spec.token!r} (module {spec.module}): {type(exc).__name__} {exc}; "
                        "check the module path, token label, key label and PIN") from exc


def _pages(reader: PdfFileReader) -> list[generic.Reference]:
    out: list[generic.Reference] = []

    def walk(node: generic.DictionaryObject) -> None:
        kids = node["/Kids"]
        for i in range(len(kids)):
            ref = kids.raw_get(i)
            obj = ref.get_object()
            if obj.get("/Type") == "/Pages":
                walk(obj)
            else:
                out.append(ref.reference)

    walk(reader.root["/Pages"])
    return out


def signature_place(reader: PdfFileReader) -> tuple[int, tuple[float, float, float, float]]:
    """(page index, box) of the blank above the signer's name that ``pdf_render`` marks with the named
    destination ``SIGNATURE_DEST``; else the bottom right of the last page."""
    pages = _pages(reader)
    dests = reader.root.get("/Dests")
    dest = dests.get_object().get("/" + SIGNATURE_DEST) if dests is not None else None
    if dest is not None:
        arr = dest.get_object()
        if len(arr) == 6 and arr[1] == "/FitR" and arr.raw_get(0).reference in pages:
            return pages.index(arr.raw_get(0).reference), tuple(float(arr[i]) for i in range(2, 6))  # type: ignore[return-value]
    return len(pages) - 1, FALLBACK_BOX


# Latin, Vietnamese (combining marks, Latin Extended Additional) and general punctuation
_STAMP_CHARS = [*range(0x20, 0x7F), *range(0xA0, 0x250), *range(0x300, 0x370), *range(0x1E00, 0x1F00),
                *range(0x2000, 0x2070)]


def _stamp_font(folder: Path) -> GlyphAccumulatorFactory:
    """A Unicode font for the visible stamp (Vietnamese): DejaVu Sans, which ships with matplotlib, cut to the
    stamp's characters and rescaled to 1000 units per em in ``folder`` (pyHanko writes glyph widths unscaled, so
    DejaVu's 2048 units would double the letter spacing)."""
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    font = ttLib.TTFont(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    cut = subset.Subsetter(subset.Options(layout_features=["*"], name_IDs=["*"], notdef_outline=True))
    cut.populate(unicodes=_STAMP_CHARS)
    cut.subset(font)
    scale_upem(font, 1000)
    font.save(folder / "stamp.ttf")
    return GlyphAccumulatorFactory(str(folder / "stamp.ttf"), font_size=8)


def sign_pdf(src: Path, out: Path, spec: SignerSpec, zone: str, reason: str = "Ký duyệt báo cáo") -> Path:
    """Sign ``src`` into ``out`` (a new file, written atomically): a PAdES baseline signature in a visible field
    over the signer's name block, showing the signer and the time in ``zone`` (labelled)."""
    if src.resolve() == out.resolve():
        raise SignError(f"{out}: the signed copy must be a new file (give --out)")
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise SignError(f"{src}: cannot read: {exc.strerror}") from exc
    with _signer(spec) as signer:
        try:
            writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        except Exception as exc:  # pyHanko raises many kinds for a file that is not a PDF
            raise SignError(f"{src}: not a readable PDF ({exc})") from exc
        if writer.prev.embedded_signatures:
            raise SignError(f"{src}: already signed; sign the unsigned report")
        page, box = signature_place(writer.prev)
        fields.append_signature_field(writer, fields.SigFieldSpec(FIELD, on_page=page, box=box))
        meta = signers.PdfSignatureMetadata(field_name=FIELD, md_algorithm="sha256", reason=reason,
                                            subfilter=fields.SigSeedSubFilter.PADES)
        when = datetime.now(UTC).astimezone(ZoneInfo(zone))
        with TemporaryDirectory() as folder, atomic_target(out) as tmp, open(tmp, "wb") as fh:
            box_style = TextBoxStyle(font=_stamp_font(Path(folder)))
            style = TextStampStyle(stamp_text=STAMP, border_width=1, text_box_style=box_style)
            pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style)
            pdf_signer.sign_pdf(writer, output=fh, appearance_text_params={
                "when": f"{when:%d/%m/%Y %H:%M:%S}", "zone": zone})
    return out


@dataclass(frozen=True)
class SignatureCheck:
    """What ``soc report verify`` prints for one signature."""

    field: str
    signer: str  # the signing certificate's subject
    signed_at: str  # signing time claimed by the signer, in the configured zone, labelled
    intact: bool  # the signed bytes are unchanged
    covers_file: bool  # nothing but allowed changes after the signature
    trusted: bool | None  # chains to the given CA file; None when no CA file was given
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def _trust_roots(ca: Path) -> list:
    # asn1crypto/pyhanko_certvalidator come with pyHanko; read the CA file once, PEM or DER
    from asn1crypto import pem, x509

    try:
        raw = ca.read_bytes()
    except OSError as exc:
        raise SignError(f"{ca}: cannot read the CA file: {exc.strerror}") from exc
    blobs = [der for _, _, der in pem.unarmor(raw, multiple=True)] if pem.detect(raw) else [raw]
    try:
        return [x509.Certificate.load(b) for b in blobs]
    except ValueError as exc:
        raise SignError(f"{ca}: not a PEM or DER certificate file") from exc


def verify_pdf(path: Path, zone: str, ca: Path | None = None) -> list[SignatureCheck]:
    """Check every signature of ``path``: integrity, what it covers, and (with ``ca``) trust. Raises SignError
    when the file cannot be read or carries no signature."""
    # the validator stack loads only when a signature is checked
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = _trust_roots(ca) if ca is not None else []
    try:
        reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
        sigs = reader.embedded_signatures
    except OSError as exc:
        raise SignError(f"{path}: cannot read: {exc.strerror}") from exc
    except Exception as exc:  # a damaged file: pyHanko raises many kinds
        raise SignError(f"{path}: not a readable PDF ({exc})") from exc
    if not sigs:
        raise SignError(f"{path}: no digital signature in this PDF")
    out = []
    for sig in sigs:
        problems: list[str] = []
        try:
            vc = ValidationContext(trust_roots=roots, allow_fetching=False)
            status = validate_pdf_signature(sig, vc)
        except Exception as exc:  # a damaged signature dictionary or CMS blob
            out.append(SignatureCheck(sig.field_name, "", "", False, False, None,
                                      (f"signature cannot be read: {exc}",)))
            continue
        if not status.intact:
            problems.append("the document was modified after signing (digest mismatch)")
        elif not status.valid:
            problems.append("the signature value does not match the signer's certificate")
        covers = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
            status.docmdp_ok is not False and status.coverage is not None
            and status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION)
        if not covers:
            problems.append("the file was changed after signing in a way the signature does not allow")
        trusted = bool(status.trusted) if ca is not None else None
        if trusted is False:
            problems.append(f"the signer's certificate does not chain to {ca}")
        when = status.signer_reported_dt
        shown = f"{when.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S} ({zone})" if when else "(not stated)"
        out.append(SignatureCheck(sig.field_name, status.signing_cert.subject.human_friendly, shown,
                                  bool(status.intact), covers, trusted, tuple(problems)))
    return out
