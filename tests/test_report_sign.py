"""Digital signature of report PDFs: a test CA made here, a PKCS#12 signer and a real PKCS#11 token (SoftHSM2),
signing a PDF rendered by soc.report.pdf_render, checked with pyHanko's validator and through the CLI."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen.canvas import Canvas
from typer.testing import CliRunner

from soc.cli import app
from soc.report.document import Document, Para
from soc.report.pdf_render import render_pdf
from soc.report.sign import (
    FALLBACK_BOX,
    SignError,
    SignerSpec,
    sign_pdf,
    signature_place,
    signer_spec,
    verify_pdf,
)

ZONE = "Asia/Ho_Chi_Minh"
P12_PASSWORD = "mật-khẩu-thử"
PIN = "4321"
TOKEN = "soc-test-token"
KEY = "nguyen-van-a"
SOFTHSM_MODULE = next((p for p in ("/usr/lib/softhsm/libsofthsm2.so",
                                   "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so") if Path(p).is_file()), "")


def _name(cn: str, org: str = "Sở Thông tin và Truyền thông") -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: x509.Name, public_key, issuer: x509.Name, issuer_key, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
         .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
         .not_valid_after(now + timedelta(days=365))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = (b.add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False),
                             critical=True)
             .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False))
    return b.sign(issuer_key, hashes.SHA256())


class Pki:
    """A test CA, written as PEM, that issues signer certificates."""

    def __init__(self, root: Path, cn: str = "SOC Test Root CA") -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.name = _name(cn, "Ban Cơ yếu Chính phủ (thử nghiệm)")
        self.cert = _cert(self.name, self.key.public_key(), self.name, self.key, ca=True)
        self.pem = root / f"{cn.replace(' ', '-')}.pem"
        self.pem.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def issue(self, cn: str, public_key) -> x509.Certificate:
        return _cert(_name(cn), public_key, self.name, self.key, ca=False)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return Pki(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def p12(pki, tmp_path_factory) -> tuple[Path, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = pki.issue("Nguyễn Văn A", key.public_key())
    path = tmp_path_factory.mktemp("p12") / "signer.p12"
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [pki.cert], serialization.BestAvailableEncryption(P12_PASSWORD.encode())))
    return path, cert


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    profile = {"agency": "Sở Thông tin và Truyền thông", "signer_authority": "KT. Giám đốc",
               "signer_title": "Phó Giám đốc", "signer_name": "Nguyễn Văn A", "recipients": ["Bộ Công an"]}
    doc = Document("BÁO CÁO", "BC", "Kết quả giám sát an toàn thông tin", date(2026, 11, 30), profile,
                   [Para("Nội dung báo cáo giám sát. " * 400)])
    return render_pdf(doc, tmp_path_factory.mktemp("report") / "bao-cao.pdf")


def _validate(path: Path, pki: Pki):
    """pyHanko's own validator, trusting only the test CA."""
    reader = PdfFileReader(io.BytesIO(path.read_bytes()), strict=False)
    (sig,) = reader.embedded_signatures
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[asn1_x509.Certificate.load(
        pki.cert.public_bytes(serialization.Encoding.DER))], allow_fetching=False))


def _signer_der(status) -> bytes:
    return status.signing_cert.dump()


def _flip_one_byte(src: Path, dst: Path) -> None:
    """One byte inside the first page content stream (covered by the signature) changed."""
    data = bytearray(src.read_bytes())
    at = data.index(b"stream", data.index(b"/Length")) + 40
    data[at] ^= 0x01
    dst.write_bytes(bytes(data))


def test_pdf_renderer_marks_the_signature_blank_on_the_last_page(report):
    reader = PdfFileReader(io.BytesIO(report.read_bytes()))
    page, (x1, y1, x2, y2) = signature_place(reader)
    assert page == int(reader.root["/Pages"]["/Count"]) - 1 > 0  # the closing block is on the last page
    assert x1 > 297 - 10 and x2 <= 595 and y2 - y1 == pytest.approx(25 * 72 / 25.4)  # right column, 25 mm


def test_p12_sign_validates_and_one_flipped_byte_fails(pki, p12, report, tmp_path, monkeypatch):
    path, cert = p12
    monkeypatch.setenv("SOC_SIGN_PASSWORD", P12_PASSWORD)
    signed = sign_pdf(report, tmp_path / "signed.pdf", signer_spec({}, p12=path), ZONE)
    status = _validate(signed, pki)
    assert status.intact and status.valid and status.trusted and status.bottom_line
    assert _signer_der(status) == cert.public_bytes(serialization.Encoding.DER)
    # the visible field sits in the blank above the signer's name
    reader = PdfFileReader(io.BytesIO(signed.read_bytes()), strict=False)
    (sig,) = reader.embedded_signatures
    page, box = signature_place(PdfFileReader(io.BytesIO(report.read_bytes())))
    assert [float(v) for v in sig.sig_field["/Rect"]] == pytest.approx(list(box))
    assert sig.sig_field.raw_get("/P").reference == reader.root["/Pages"]["/Kids"].raw_get(page).reference
    (check,) = verify_pdf(signed, ZONE, pki.pem)
    assert check.ok and check.intact and check.trusted and "Nguyễn Văn A" in check.signer
    assert check.signed_at.endswith(f"({ZONE})")

    _flip_one_byte(signed, tmp_path / "altered.pdf")
    assert not _validate(tmp_path / "altered.pdf", pki).intact
    (bad,) = verify_pdf(tmp_path / "altered.pdf", ZONE, pki.pem)
    assert not bad.ok and not bad.intact and "modified after signing" in bad.problems[0]


def test_pdf_without_the_mark_is_signed_at_the_bottom_right_of_its_last_page(p12, tmp_path, monkeypatch):
    plain = Canvas(str(tmp_path / "plain.pdf"))
    plain.drawString(72, 720, "page 1")
    plain.showPage()
    plain.drawString(72, 720, "page 2")
    plain.save()
    monkeypatch.setenv("SOC_SIGN_PASSWORD", P12_PASSWORD)
    signed = sign_pdf(tmp_path / "plain.pdf", tmp_path / "signed.pdf", signer_spec({}, p12=p12[0]), ZONE)
    reader = PdfFileReader(io.BytesIO(signed.read_bytes()), strict=False)
    (sig,) = reader.embedded_signatures
    assert [float(v) for v in sig.sig_field["/Rect"]] == list(FALLBACK_BOX)
    assert sig.sig_field.raw_get("/P").reference == reader.root["/Pages"]["/Kids"].raw_get(1).reference
    (check,) = verify_pdf(signed, ZONE)
    assert check.ok and check.intact


def test_wrong_password_and_unsigned_file_are_named(p12, report, tmp_path, monkeypatch):
    path, _ = p12
    monkeypatch.setenv("SOC_SIGN_PASSWORD", "wrong")
    with pytest.raises(SignError, match="signer.p12: cannot open"):
        sign_pdf(report, tmp_path / "x.pdf", signer_spec({}, p12=path), ZONE)
    assert not (tmp_path / "x.pdf").exists()
    with pytest.raises(SignError, match="no digital signature"):
        verify_pdf(report, ZONE)


def test_password_from_a_file_named_in_config(p12, tmp_path, monkeypatch):
    path, _ = p12
    monkeypatch.delenv("SOC_SIGN_PASSWORD", raising=False)
    (tmp_path / "pw").write_text(P12_PASSWORD + "\n", encoding="utf-8")
    spec = signer_spec({"p12": str(path), "password_file": str(tmp_path / "pw")})
    assert spec == SignerSpec(p12=path, secret=P12_PASSWORD)


def test_untrusted_ca_is_reported(p12, report, tmp_path, monkeypatch):
    path, _ = p12
    monkeypatch.setenv("SOC_SIGN_PASSWORD", P12_PASSWORD)
    signed = sign_pdf(report, tmp_path / "signed.pdf", signer_spec({}, p12=path), ZONE)
    other = Pki(tmp_path, "Other CA")
    (check,) = verify_pdf(signed, ZONE, other.pem)
    assert check.intact and check.trusted is False and not check.ok
    (unchecked,) = verify_pdf(signed, ZONE)
    assert unchecked.ok and unchecked.trusted is None


# --- a real PKCS#11 token: SoftHSM2 --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token(pki, tmp_path_factory):
    """A SoftHSM2 token (its own config and token directory) holding a key pair made on the token and the
    certificate the test CA issued for it. Yields the certificate."""
    if shutil.which("softhsm2-util") is None or not SOFTHSM_MODULE:
        reason = ("softhsm2-util is not installed (apt-get install softhsm2): the PKCS#11 token tests did NOT run; "
                  ".ci/run installs it so CI never skips them")
        warnings.warn(reason, stacklevel=1)
        pytest.skip(reason)
    # python-pkcs11 is what pyHanko uses to talk to the token; here it also puts the key and cert on it
    import pkcs11
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.rsa import encode_rsa_public_key
    from pkcs11.util.x509 import decode_x509_certificate

    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n",
                    encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--so-pin", "87654321",
                        "--pin", PIN], check=True, capture_output=True, env=os.environ.copy())
        tok = pkcs11.lib(SOFTHSM_MODULE).get_token(token_label=TOKEN)
        with tok.open(rw=True, user_pin=PIN) as session:
            pub, _ = session.generate_keypair(KeyType.RSA, 2048, label=KEY, id=b"\x01", store=True)
            public_key = serialization.load_der_public_key(encode_rsa_public_key(pub))
            cert = pki.issue("Nguyễn Văn A (token)", public_key)
            attrs = decode_x509_certificate(cert.public_bytes(serialization.Encoding.DER))
            attrs.update({Attribute.TOKEN: True, Attribute.LABEL: KEY, Attribute.ID: b"\x01"})
            session.create_object(attrs)
        yield cert


def test_token_signs_a_report_that_validates_and_one_flipped_byte_fails(pki, token, report, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setenv("SOC_SIGN_PIN", PIN)
    spec = signer_spec({}, module=SOFTHSM_MODULE, token=TOKEN, key=KEY)
    signed = sign_pdf(report, tmp_path / "signed.pdf", spec, ZONE)
    status = _validate(signed, pki)
    assert status.intact and status.valid and status.trusted
    assert _signer_der(status) == token.public_bytes(serialization.Encoding.DER)
    _flip_one_byte(signed, tmp_path / "altered.pdf")
    assert not _validate(tmp_path / "altered.pdf", pki).intact
    # the same token chosen by the config, the key by its PKCS#11 id, the PIN from a file
    monkeypatch.delenv("SOC_SIGN_PIN")
    (tmp_path / "pin").write_text(PIN, encoding="utf-8")
    conf = {"pkcs11_module": SOFTHSM_MODULE, "token": TOKEN, "key_id": "01", "pin_file": str(tmp_path / "pin")}
    again = sign_pdf(report, tmp_path / "again.pdf", signer_spec(conf), ZONE)
    assert _signer_der(_validate(again, pki)) == token.public_bytes(serialization.Encoding.DER)


def test_wrong_pin_is_named(token, report, tmp_path, monkeypatch):
    monkeypatch.setenv("SOC_SIGN_PIN", "0000")
    with pytest.raises(SignError, match=f"token '{TOKEN}'"):
        sign_pdf(report, tmp_path / "x.pdf", signer_spec({}, module=SOFTHSM_MODULE, token=TOKEN, key=KEY), ZONE)
    assert not (tmp_path / "x.pdf").exists()


def test_cli_sign_with_token_then_verify_then_altered_fails(pki, token, report, tmp_path, monkeypatch):
    monkeypatch.setenv("SOC_SIGN_PIN", PIN)
    monkeypatch.setenv("SOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    signed = tmp_path / "ky-so.pdf"
    res = runner.invoke(app, ["report", "sign", str(report), "--out", str(signed), "--pkcs11-module",
                              SOFTHSM_MODULE, "--token", TOKEN, "--key", KEY])
    assert res.exit_code == 0, res.output
    assert "signed:" in res.output and signed.is_file()
    res = runner.invoke(app, ["report", "verify", str(signed), "--ca", str(pki.pem)])
    assert res.exit_code == 0, res.output
    assert "Nguyễn Văn A (token)" in res.output and f"({ZONE})" in res.output and "intact" in res.output
    _flip_one_byte(signed, tmp_path / "altered.pdf")
    res = runner.invoke(app, ["report", "verify", str(tmp_path / "altered.pdf"), "--ca", str(pki.pem)])
    assert res.exit_code == 1 and "modified after signing" in res.output


def test_cli_sign_with_p12_default_name_and_no_secret_option(pki, p12, report, tmp_path, monkeypatch):
    path, _ = p12
    monkeypatch.setenv("SOC_SIGN_PASSWORD", P12_PASSWORD)
    monkeypatch.setenv("SOC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "bao-cao.pdf"
    shutil.copy(report, src)
    runner = CliRunner()
    res = runner.invoke(app, ["report", "sign", str(src), "--p12", str(path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "bao-cao.signed.pdf").is_file()
    res = runner.invoke(app, ["report", "verify", str(tmp_path / "bao-cao.signed.pdf"), "--ca", str(pki.pem)])
    assert res.exit_code == 0, res.output
    help_text = runner.invoke(app, ["report", "sign", "--help"]).output
    assert "--password" not in help_text and "--pin" not in help_text
    res = runner.invoke(app, ["report", "verify", str(src)])
    assert res.exit_code == 1 and "no digital signature" in res.output
