"""The field page in headless Chromium (Debian's, never a downloaded browser) against a real server: an EO
spot report filled with the network cut is kept in the browser, sent when the network is back, arrives as
one submitted report with its photo, and once approved is a find in the record with its history."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from mineaction.access import authenticate_token
from mineaction.store import open_store
from mineaction.workflows import FORM_FILES, FORM_SUBMISSIONS, approve_form_submission, show_report

from .conftest import PASSWORD, Field
from .filled import LAT, LON

pytestmark = pytest.mark.slow  # a browser, and the forms' server (conftest.py)


def _photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 40)).save(out, format="JPEG")
    return out.getvalue()


def _until(page: Any, script: str, *, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = page.evaluate(f"() => {{ {script} }}")
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"the page never satisfied: {script}")


def _fill_spot_report(page: Any, tmp_path: Path) -> None:
    page.click("button[data-form=eo_spot_report]")
    page.get_by_role("button", name="Get location").click()
    page.get_by_role("button", name="Save location").click()
    page.click("label.value-option:has-text('anti-personnel mine')")
    page.get_by_label("Device model, e.g. PMN-2, TM-62M, PMN-E").fill("PMN-2")
    date = page.locator(".question-container:has-text('Date found') input").first
    date.fill("05/02/2024")
    date.press("Enter")
    photo = tmp_path / "pmn2.jpg"
    photo.write_bytes(_photo())
    question = ".question-container:has-text('Photo of the item')"
    page.locator(f"{question} input[type=file]").set_input_files(photo)
    page.wait_for_selector(f"{question} img", timeout=30_000)  # the photo is read and reduced before Send


def test_a_spot_report_filled_offline_is_sent_when_the_network_is_back(
    field: Field, tmp_path: Path, chromium: str
) -> None:
    executable = chromium
    from playwright.sync_api import sync_playwright

    server, path, officer_token = field.server, field.store, field.tokens["officer"]
    with open_store(path) as store:
        forms_before, files_before = store.list_documents(FORM_SUBMISSIONS), store.list_files(FORM_FILES)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(
            geolocation={"latitude": LAT, "longitude": LON, "accuracy": 5}, permissions=["geolocation"]
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(f"{server.url}/field/")
            page.fill("input[name=name]", "field1")
            page.fill("input[name=password]", PASSWORD)
            page.click("text=Sign in")
            page.wait_for_selector("button[data-form=eo_spot_report]", timeout=60_000)
            context.set_offline(True)
            _fill_spot_report(page, tmp_path)
            page.get_by_role("button", name="Send").click()
            _until(page, "return document.body.textContent.includes('offline; 1 waiting to be sent');")
            with open_store(path) as store:
                assert store.list_documents(FORM_SUBMISSIONS) == forms_before  # nothing reached the server
            context.set_offline(False)
            _until(page, "return document.body.textContent.includes('; 0 waiting to be sent');", timeout_s=90)
        except Exception:
            page.screenshot(path=str(tmp_path / "field.png"), full_page=True)
            raise
        finally:
            browser.close()
    assert not errors
    with open_store(path) as store:
        [instance] = [k for k in store.list_documents(FORM_SUBMISSIONS) if k not in forms_before]
        kept = store.load_document(FORM_SUBMISSIONS, instance)
        [photo_key] = [k for k in store.list_files(FORM_FILES) if k not in files_before]
        assert store.load_file(FORM_FILES, photo_key).size > 0
        officer = authenticate_token(store, officer_token)
        report = show_report(store, officer, kept["report_id"]).report
        assert (report["status"], report["author"], report["kind"]) == ("submitted", "field1", "finds")
        [find_id] = approve_form_submission(store, officer, instance)["applied"]["finds"]
        find = store.get("finds", find_id)
        history = store.history("finds", find_id)
    assert (find["category"], find["model"]) == ("AP", "PMN-2")
    assert (round(find["geometry"].x, 4), round(find["geometry"].y, 4)) == (LON, LAT)
    assert list(history["author"]) == ["field1"]
