"""An index's web pages (`<index>/`, `<index>/project/<name>/`), driven as a person uses them:
headless Chromium (Debian's `chromium` and `chromium-driver`, through selenium) follows links,
searches, meets a private index's challenge, reads yanked and quarantined releases, and opens
hostile metadata without any script running. Plain HTTP checks the security headers, memory
and that a reader of one index never sees another's names. Screenshots of each page are
saved (`TEAMINDEX_SCREENSHOTS=docs/screenshots` made the consumer guide's)."""

import base64
import os
import tempfile
import uuid
from pathlib import Path

import pytest
import requests
from helpers import guard_index, make_index, twine_upload
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from test_json_api import make_wheel

# Screenshots: to $TEAMINDEX_SCREENSHOTS (docs/screenshots/ for the consumer guide's pictures),
# else to a directory of their own under the system's temporary directory.
SHOTS = Path(
    os.environ.get("TEAMINDEX_SCREENSHOTS") or Path(tempfile.gettempdir()) / "teamindex-web-shots"
)
PASSWORD = "Reader-pass-123"
PWN = "window.__pwned=1"
HOSTILE_SUMMARY = f"<script>{PWN}</script><b>bold</b>"
HOSTILE_README = (
    f'# Readme\n\n<script>{PWN}</script>\n\n<img src=x onerror="{PWN}">\n\n'
    f'[click me](javascript:{PWN})\n\n<a href="javascript:{PWN}">raw link</a>\n\n'
    '<iframe src="https://example.com/"></iframe>\n'
)


def get(url, **kw):
    return requests.get(url, timeout=30, **kw)


def web_url(index):
    """The index's page: its base URL, the simple API's parent."""
    return index["distribution"]["index_url"].rsplit("simple/", 1)[0]


def upload(publisher, index, tmp_path, name, versions, **kw):
    wheels = [make_wheel(tmp_path, name, v, **kw) for v in versions]
    result = twine_upload(index, publisher, *wheels)
    assert result.returncode == 0, result.stdout + result.stderr
    return wheels


def shoot(driver, name):
    """A screenshot for the docs: the page as a person sees it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def no_script_ran(driver):
    """No script of the page ran: the flag hostile markup sets is unset, no alert is open,
    and the document holds no script element."""
    assert driver.execute_script("return window.__pwned === undefined")
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 (reading it raises when there is none)
    assert driver.find_elements(By.TAG_NAME, "script") == []


def arrived(driver, tail):
    """Wait for the page a submitted form or a click leads to."""
    WebDriverWait(driver, 30).until(
        lambda d: d.current_url.endswith(tail), f"not at ...{tail}: {driver.current_url}"
    )


def keys(driver, *typed):
    """Keys typed at whatever has the focus, as a person at a keyboard types them."""
    ActionChains(driver).send_keys(*typed).perform()


def status_of(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('navigation')[0].responseStatus"
    )


@pytest.fixture
def team(publisher, index, tmp_path):
    """An index of two projects: `web-<x>-tools` (1.0, 2.0) and `web-<x>-cli` (0.1)."""
    tag = uuid.uuid4().hex[:6]
    tools, cli = f"web-{tag}-tools", f"web-{tag}-cli"
    upload(publisher, index, tmp_path, tools, ["1.0", "2.0"], summary="Helpers for reports")
    upload(publisher, index, tmp_path, cli, ["0.1"], summary="The command line of the team")
    return {"index": index, "tools": tools, "cli": cli}


def test_a_person_goes_from_the_index_to_a_project(browser, team):
    index, tools = team["index"], team["tools"]
    browser.get(web_url(index))
    assert status_of(browser) == 200
    assert browser.find_element(By.TAG_NAME, "h1").text == index["distribution"]["base_path"]
    names = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.projects a")]
    assert names == sorted([tools, team["cli"]])
    shoot(browser, "index-page")
    browser.find_element(By.LINK_TEXT, tools).click()
    arrived(browser, f"/project/{tools}/")
    assert browser.current_url == web_url(index) + f"project/{tools}/"
    assert browser.find_element(By.TAG_NAME, "h1").text == f"{tools} 2.0"
    shoot(browser, "project-page")
    files = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "table a")]
    assert files == [f"{tools.replace('-', '_')}-{v}-py3-none-any.whl" for v in ("2.0", "1.0")]
    assert "The long description." in browser.find_element(By.CLASS_NAME, "readme").text
    config = browser.find_element(By.XPATH, "//summary[starts-with(., 'uv')]")
    config.click()  # a disclosure widget, no script
    uv = browser.find_element(By.XPATH, "//summary[starts-with(., 'uv')]/following-sibling::pre")
    assert f'url = "{index["distribution"]["index_url"]}"' in uv.text
    shoot(browser, "configuration")
    link = browser.find_element(By.LINK_TEXT, files[0])  # the file downloads from the index
    fetched = get(link.get_attribute("href"))
    assert fetched.status_code == 200 and fetched.content[:2] == b"PK"
    browser.find_element(By.LINK_TEXT, index["distribution"]["base_path"]).click()
    arrived(browser, index["distribution"]["base_path"] + "/")
    assert browser.current_url == web_url(index)
    no_script_ran(browser)


def test_pages_fit_a_phone_and_work_from_the_keyboard(browser, team):
    browser.set_window_size(390, 844)
    try:
        for path in ("", f"project/{team['tools']}/"):
            browser.get(web_url(team["index"]) + path)
            assert browser.execute_script(  # nothing wider than the screen: no sideways scroll
                "return document.documentElement.scrollWidth <= window.innerWidth"
            )
        shoot(browser, "project-page-phone")
        browser.get(web_url(team["index"]))
        keys(browser, Keys.TAB)
        first = browser.switch_to.active_element
        assert first.text == "Skip to the content" and first.get_attribute("href").endswith("#main")
        keys(browser, Keys.ENTER, Keys.TAB, Keys.TAB)  # to the content: the command, the search
        box = browser.switch_to.active_element
        assert box.get_attribute("id") == "q"
        box.send_keys("cli", Keys.ENTER)
        arrived(browser, "?q=cli")
        assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.projects a")] == [
            team["cli"]
        ]
    finally:
        browser.set_window_size(1100, 1000)


def test_search_by_name_and_summary(browser, team):
    browser.get(web_url(team["index"]))
    box = browser.find_element(By.ID, "q")
    box.send_keys("command line", Keys.ENTER)  # a summary's words
    arrived(browser, "?q=command+line")
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.projects a")] == [
        team["cli"]
    ]
    assert "q=command+line" in browser.current_url
    shoot(browser, "search")
    browser.find_element(By.ID, "q").clear()
    browser.find_element(By.ID, "q").send_keys(team["tools"][:-2], Keys.ENTER)  # a name's part
    arrived(browser, "?q=" + team["tools"][:-2])
    assert [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.projects a")] == [
        team["tools"]
    ]
    browser.get(web_url(team["index"]) + "?q=%21%21")  # nothing a name or a word holds
    assert status_of(browser) == 400
    assert (
        "at least one letter or digit" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text
    )


def test_a_yanked_and_a_quarantined_release(browser, publisher, team):
    index, tools = team["index"], team["tools"]
    repo = index["repository"]["pulp_href"]
    body = {"project": tools, "version": "2.0", "reason": "broken <b>build</b>"}
    publisher.ok(publisher.post(repo + "yank/", json=body))
    browser.get(web_url(index) + f"project/{tools}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == f"{tools} 1.0"  # skips the yank
    release = browser.find_element(By.XPATH, "//h3[starts-with(., '2.0')]")
    assert "yanked" in release.text
    assert "broken <b>build</b>" in browser.find_element(By.TAG_NAME, "table").text
    shoot(browser, "yanked")
    body = {"project": tools, "status": "quarantined", "reason": "credential stealer"}
    publisher.ok(publisher.post(repo + "set_project_status/", json=body))
    browser.get(web_url(index) + f"project/{tools}/")
    notice = browser.find_element(By.CSS_SELECTOR, ".notice.bad").text
    assert "Quarantined" in notice and "credential stealer" in notice
    assert browser.find_elements(By.CSS_SELECTOR, "a[href*='packages/']") == []
    shoot(browser, "quarantined")
    browser.get(web_url(index))
    item = browser.find_element(By.XPATH, f"//li[a[.='{tools}']]")
    assert "quarantined" in item.text


def test_hostile_metadata_is_inert(browser, publisher, index, tmp_path):
    name = f"web-{uuid.uuid4().hex[:6]}-evil"
    result = twine_upload(index, publisher, make_hostile_readme(tmp_path, name))
    assert result.returncode == 0, result.stdout + result.stderr
    for url in (web_url(index), web_url(index) + f"project/{name}/"):
        browser.get(url)
        assert status_of(browser) == 200
        no_script_ran(browser)
        assert HOSTILE_SUMMARY in browser.find_element(By.TAG_NAME, "main").text  # as text
        for link in browser.find_elements(By.CSS_SELECTOR, "a[href]"):
            assert link.get_attribute("href").startswith(("http://", "https://")), link
    assert browser.find_elements(By.TAG_NAME, "iframe") == []
    browser.find_element(By.XPATH, "//*[.='click me']").click()  # no link any more: nothing
    no_script_ran(browser)
    assert browser.find_element(By.LINK_TEXT, "https://example.com/d")
    assert browser.find_elements(By.LINK_TEXT, f"javascript:{PWN}") == []
    shoot(browser, "hostile")


def test_a_private_index_challenges_as_a_missing_one_does(browser, admin, team):
    index = team["index"]
    reader = f"reader-{uuid.uuid4().hex[:6]}"
    created = admin.post("users/", json={"username": reader, "password": PASSWORD})
    assert created.status_code == 201, created.text
    try:
        guard_index(admin, index, [reader])
        missing = web_url(index).replace(index["distribution"]["base_path"], "gone-" + reader)
        for url in (web_url(index), missing):  # the browser asks for credentials
            browser.get(url)
            assert status_of(browser) == 401
            assert team["tools"] not in browser.page_source
        secret = base64.b64encode(f"{reader}:{PASSWORD}".encode()).decode()
        browser.execute_cdp_cmd("Network.enable", {})
        browser.execute_cdp_cmd(
            "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {secret}"}}
        )
        for _ in range(2):  # the second time from memory, for these credentials
            browser.get(web_url(index))
            assert status_of(browser) == 200
            assert team["tools"] in browser.find_element(By.TAG_NAME, "main").text
    finally:
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})
        admin.delete(created.json()["pulp_href"])


def make_hostile_readme(directory, name):
    """A wheel whose summary, README and project URLs try to run a script."""
    sub = directory / "hostile"
    sub.mkdir()
    extra = [f"Project-URL: Evil, javascript:{PWN}", "Project-URL: Docs, https://example.com/d"]
    path = make_wheel(sub, name, "1.0", summary=HOSTILE_SUMMARY, extra=extra)
    return _with_description(path, HOSTILE_README)


def _with_description(path, description):
    """The wheel at `path` with its METADATA's body replaced by `description` (RECORD too)."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    meta_name = next(n for n in members if n.endswith("METADATA"))
    head = members[meta_name].decode().split("\n\n", 1)[0]
    members[meta_name] = (head + "\n\n" + description).encode()
    record_name = next(n for n in members if n.endswith("RECORD"))
    lines = []
    for member, data in members.items():
        if member == record_name:
            continue
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append(f"{member},sha256={digest},{len(data)}\n")
    members[record_name] = ("".join(lines) + f"{record_name},,\n").encode()
    Path(path).unlink()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def assert_secured(answer):
    headers = answer.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
    assert "script-src" not in csp and "unsafe-inline" not in csp, csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_every_page_and_refusal_carries_the_security_headers(team):
    base = web_url(team["index"])
    for path, status in [
        ("", 200),
        ("?q=report", 200),
        ("?q=%21", 400),
        (f"project/{team['tools']}/", 200),
        ("project/no-such-project/", 404),
    ]:
        answer = get(base + path)
        assert answer.status_code == status, (path, answer.text)
        assert_secured(answer)
        if status == 200:
            assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
            again = get(base + path, headers={"If-None-Match": answer.headers["ETag"]})
            assert again.status_code == 304
    spelled = get(base + f"project/{team['tools'].upper()}", allow_redirects=False)
    assert spelled.status_code == 301 and spelled.headers["Location"].endswith(
        f"/project/{team['tools']}/"
    )
    assert_secured(spelled)
    missing = base.replace(team["index"]["distribution"]["base_path"], "no-such-index-here")
    assert_secured(get(missing))


def test_a_page_shows_an_upload_on_the_next_request(publisher, team, tmp_path):
    base = web_url(team["index"])
    name = f"web-{uuid.uuid4().hex[:6]}-new"
    for _ in range(2):  # remembered now
        assert name not in get(base).text
        assert get(base + f"project/{name}/").status_code == 404
    upload(publisher, team["index"], tmp_path, name, ["3.0"], summary="fresh")
    assert name in get(base).text
    page = get(base + f"project/{name}/")
    assert page.status_code == 200 and "fresh" in page.text


def test_a_reader_of_one_index_never_sees_anothers_names(admin, publisher, tmp_path):
    tag = uuid.uuid4().hex[:6]
    users, indexes = {}, {}
    try:
        for team in ("a", "b"):
            username = f"web-{team}-{tag}"
            created = admin.post("users/", json={"username": username, "password": PASSWORD})
            assert created.status_code == 201, created.text
            users[team] = (username, created.json()["pulp_href"])
            indexes[team] = make_index(admin)
            guard_index(admin, indexes[team], [username])
            (tmp_path / team).mkdir()
            upload(publisher, indexes[team], tmp_path / team, f"secret-{team}-{tag}", ["1.0"])
        reader_a = (users["a"][0], PASSWORD)
        own = get(web_url(indexes["a"]), auth=reader_a)
        assert own.status_code == 200 and f"secret-a-{tag}" in own.text
        searched = get(web_url(indexes["a"]) + f"?q=secret-b-{tag}", auth=reader_a)
        assert searched.status_code == 200 and "0 projects found" in searched.text
        assert f"project/secret-b-{tag}/" not in searched.text  # only the query, echoed
        missing = web_url(indexes["b"]).replace(indexes["b"]["distribution"]["base_path"], tag)
        for path in ("", f"project/secret-b-{tag}/"):
            other = get(web_url(indexes["b"]) + path, auth=reader_a)
            absent = get(missing + path, auth=reader_a)
            assert other.status_code == absent.status_code == 404
            assert other.text == absent.text and f"secret-b-{tag}" not in other.text
            anonymous = get(web_url(indexes["b"]) + path)
            assert anonymous.status_code == 401 and f"secret-b-{tag}" not in anonymous.text
    finally:
        for index in indexes.values():
            admin.delete(index["repository"]["pulp_href"])
        for _username, href in users.values():
            admin.delete(href)
