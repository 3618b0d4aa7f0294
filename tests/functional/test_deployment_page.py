"""The deployment page, `<content prefix>_indexes/`: the indexes a person may read, driven in
headless Chromium as a person uses it (the list, the sign-in challenge, the search across
indexes), and by plain HTTP for what a browser hides (challenges, headers, read tokens). Nothing
of an index a reader may not read is ever in what they get: not its name, not its projects."""

import base64
import uuid

import pytest
import requests
from helpers import guard_index, make_index
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from test_web_pages import (
    PASSWORD,
    arrived,
    assert_secured,
    no_script_ran,
    shoot,
    status_of,
    upload,
    web_url,
)

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


def page_url(pulp):
    return f"{pulp.content_origin}/pulp/content/_indexes/"


def get(url, **kw):
    return requests.get(url, timeout=30, **kw)


def listed(driver):
    """The names of the indexes the page lists, as shown."""
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "ul.indexes li > a")]


@pytest.fixture
def deployment(admin, publisher, tmp_path):
    """A public index, two private ones (`mine`: the reader's, `theirs`: another team's) with a
    project each whose summary shares a word, the reader and the other team's user."""
    tag = uuid.uuid4().hex[:6]
    made, users = {}, {}
    try:
        for role in ("reader", "other"):
            name = f"dp-{role}-{tag}"
            created = admin.post("users/", json={"username": name, "password": PASSWORD})
            assert created.status_code == 201, created.text
            users[role] = (name, created.json()["pulp_href"])
        for kind in ("public", "mine", "theirs"):
            made[kind] = make_index(admin, description=f"The {kind} index of {tag}")
            (tmp_path / kind).mkdir()
            upload(
                publisher,
                made[kind],
                tmp_path / kind,
                f"dp-{kind}-{tag}",
                ["1.0"],
                summary=f"Shared word {tag}",
            )
        made["mine"]["guard"] = guard_index(admin, made["mine"], [users["reader"][0]])
        made["theirs"]["guard"] = guard_index(admin, made["theirs"], [users["other"][0]])
        yield {"tag": tag, "users": users, **made}
    finally:
        for index in made.values():
            admin.ok(admin.delete(index["repository"]["pulp_href"]))
        for _name, href in users.values():
            admin.delete(href)


def names_of(deployment):
    return {kind: deployment[kind]["name"] for kind in ("public", "mine", "theirs")}


def authorize(driver, user, password):
    """Every later request of the browser sends these Basic credentials, as it does once a
    person answered the challenge."""
    secret = base64.b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders", {"headers": {"Authorization": f"Basic {secret}"}}
    )


def sign_out(driver):
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def test_anonymous_sees_the_public_indexes_and_a_way_to_sign_in(browser, pulp, deployment):
    names = names_of(deployment)
    browser.get(page_url(pulp))
    assert status_of(browser) == 200
    shown = listed(browser)
    assert names["public"] in shown
    assert names["mine"] not in browser.page_source and names["theirs"] not in browser.page_source
    item = browser.find_element(By.XPATH, f"//li[a[.='{names['public']}']]")
    assert f"The public index of {deployment['tag']}" in item.text and "1 project" in item.text
    assert deployment["public"]["distribution"]["index_url"] in item.text  # pip's index URL
    no_script_ran(browser)
    browser.find_element(By.LINK_TEXT, "Sign in to see private indexes").click()
    arrived(browser, "?login=1")
    assert status_of(browser) == 401  # the browser's own sign-in dialog; headless shows none
    browser.get(page_url(pulp))
    browser.find_element(By.LINK_TEXT, names["public"]).click()
    arrived(browser, deployment["public"]["distribution"]["base_path"] + "/")
    assert browser.current_url == web_url(deployment["public"])
    assert browser.find_element(By.LINK_TEXT, f"dp-public-{deployment['tag']}")


def test_a_reader_sees_the_private_index_they_may_read_and_not_another(browser, pulp, deployment):
    names = names_of(deployment)
    authorize(browser, deployment["users"]["reader"][0], PASSWORD)
    try:
        for _ in range(2):  # checked, then from memory for these credentials
            browser.get(page_url(pulp))
            assert status_of(browser) == 200
            shown = listed(browser)
            assert names["public"] in shown and names["mine"] in shown
            assert names["theirs"] not in browser.page_source
        item = browser.find_element(By.XPATH, f"//li[a[.='{names['mine']}']]")
        assert "private" in item.text
        assert "Signed in as" in browser.find_element(By.TAG_NAME, "main").text
        shoot(browser, "deployment-page")
        box = browser.find_element(By.ID, "q")
        box.send_keys(f"word {deployment['tag']}", Keys.ENTER)  # every project's summary
        arrived(browser, "?q=word+" + deployment["tag"])
        found = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.results a")]
        tag = deployment["tag"]
        assert sorted(found) == sorted([f"dp-public-{tag}", f"dp-mine-{tag}"])
        assert f"dp-theirs-{tag}" not in browser.page_source
        assert names["theirs"] not in browser.page_source
        shoot(browser, "deployment-search")
        browser.find_element(By.LINK_TEXT, f"dp-mine-{tag}").click()
        arrived(browser, f"/project/dp-mine-{tag}/")
        assert browser.find_element(By.TAG_NAME, "h1").text == f"dp-mine-{tag} 1.0"
    finally:
        sign_out(browser)


def test_the_page_fits_a_phone(browser, pulp, deployment):
    browser.set_window_size(390, 844)
    authorize(browser, deployment["users"]["reader"][0], PASSWORD)
    try:
        browser.get(page_url(pulp))
        assert names_of(deployment)["mine"] in listed(browser)
        assert browser.execute_script(
            "return document.documentElement.scrollWidth <= window.innerWidth"
        )
        shoot(browser, "deployment-page-phone")
    finally:
        sign_out(browser)
        browser.set_window_size(1100, 1000)


def test_the_other_team_sees_its_own_and_the_search_never_names_mine(pulp, deployment):
    names, tag = names_of(deployment), deployment["tag"]
    other = (deployment["users"]["other"][0], PASSWORD)
    page = get(page_url(pulp), auth=other)
    assert page.status_code == 200
    assert names["theirs"] in page.text and names["mine"] not in page.text
    for query in (f"dp-mine-{tag}", f"word {tag}", tag):
        searched = get(page_url(pulp), params={"q": query}, auth=other)
        assert searched.status_code == 200, searched.text
        echoed = searched.text.replace(f'value="{query}"', "").replace(f"“{query}”", "")
        assert f"dp-mine-{tag}" not in echoed and names["mine"] not in echoed
        if query != f"dp-mine-{tag}":  # their own and the public project are found
            assert f"project/dp-theirs-{tag}/" in searched.text
            assert f"project/dp-public-{tag}/" in searched.text
    anonymous = get(page_url(pulp), params={"q": tag})
    assert f"dp-public-{tag}" in anonymous.text
    assert f"dp-mine-{tag}" not in anonymous.text and f"dp-theirs-{tag}" not in anonymous.text


def test_a_read_token_sees_only_the_index_it_names(pulp, deployment):
    names, tag = names_of(deployment), deployment["tag"]
    reader = (deployment["users"]["reader"][0], PASSWORD)
    body = {"name": "ci", "scope": "read"}
    body["repositories"] = [deployment["mine"]["repository"]["pulp_href"]]
    made = requests.post(
        f"{pulp.api_url}/pulp/api/v3/teamindex/tokens/", json=body, auth=reader, timeout=30
    )
    assert made.status_code == 201, made.text
    as_token = ("__token__", made.json()["token"])
    for _ in range(2):
        page = get(page_url(pulp), auth=as_token)
        assert page.status_code == 200, page.text
        assert names["mine"] in page.text
        assert names["public"] not in page.text and names["theirs"] not in page.text
        assert "with a read token" in page.text
    searched = get(page_url(pulp), params={"q": f"word {tag}"}, auth=as_token)
    assert f"dp-mine-{tag}" in searched.text
    assert f"dp-public-{tag}" not in searched.text and f"dp-theirs-{tag}" not in searched.text
    revoked = requests.post(
        pulp.api_url + made.json()["pulp_href"] + "revoke/", auth=reader, timeout=30
    )
    assert revoked.status_code == 200, revoked.text
    after = get(page_url(pulp), auth=as_token)
    assert after.status_code == 401 and "revoked" in after.text
    assert names["mine"] not in after.text


def test_a_role_taken_away_hides_the_index_at_once(admin, pulp, deployment):
    names = names_of(deployment)
    reader = (deployment["users"]["reader"][0], PASSWORD)
    assert names["mine"] in get(page_url(pulp), auth=reader).text  # remembered now
    role = {"role": "core.rbaccontentguard_downloader", "users": [reader[0]]}
    removed = admin.post(deployment["mine"]["guard"]["pulp_href"] + "remove_role/", json=role)
    assert removed.status_code == 201, removed.text
    page = get(page_url(pulp), auth=reader)
    assert page.status_code == 200 and names["mine"] not in page.text


def test_an_upload_and_a_new_index_show_on_the_next_request(
    admin, publisher, pulp, deployment, tmp_path
):
    public = deployment["public"]
    item = f'{public["name"]}</a> <span class="muted">1 project</span>'
    assert item in get(page_url(pulp)).text  # remembered now
    upload(publisher, public, tmp_path, f"dp-more-{deployment['tag']}", ["1.0"])
    assert item.replace("1 project", "2 projects") in get(page_url(pulp)).text
    fresh = make_index(admin)
    try:
        assert fresh["name"] in get(page_url(pulp)).text
    finally:
        admin.ok(admin.delete(fresh["repository"]["pulp_href"]))
    assert fresh["name"] not in get(page_url(pulp)).text


def test_the_challenge_and_the_security_headers(pulp, deployment):
    url = page_url(pulp)
    login = get(url + "?login=1", allow_redirects=False)
    assert login.status_code == 401 and login.headers["WWW-Authenticate"].startswith("Basic ")
    assert_secured(login)
    reader = (deployment["users"]["reader"][0], PASSWORD)
    for _ in range(2):  # checked, then with these credentials remembered
        signed_in = get(url + "?login=1", auth=reader, allow_redirects=False)
        assert signed_in.status_code == 303 and signed_in.headers["Location"] == "./"
    wrong = get(url, auth=(reader[0], "wrong-password"))
    assert wrong.status_code == 401 and "WWW-Authenticate" in wrong.headers
    assert names_of(deployment)["public"] not in wrong.text
    assert_secured(wrong)
    for params, status in [({}, 200), ({"q": "dp"}, 200), ({"q": "!"}, 400)]:
        answer = get(url, params=params, auth=reader)
        assert answer.status_code == status, answer.text
        assert_secured(answer)
        assert answer.headers["Cache-Control"].startswith("private")
    assert get(url).headers["Content-Type"] == "text/html; charset=utf-8"
    bare = get(url.rstrip("/"), allow_redirects=False)
    assert bare.status_code == 301 and bare.headers["Location"].endswith("/_indexes/")


def test_hostile_names_and_descriptions_are_inert(browser, admin, pulp):
    base = f"dp-hostile-{uuid.uuid4().hex[:6]}"
    made = admin.post(
        "repositories/teamindex/teamindex/",
        json={"name": f"{base}{HOSTILE}", "base_path": base, "description": HOSTILE},
    )
    assert made.status_code == 201, made.text
    try:
        browser.get(page_url(pulp))
        assert status_of(browser) == 200
        no_script_ran(browser)
        item = browser.find_element(By.XPATH, f"//li[a[starts-with(., '{base}')]]")
        assert item.find_element(By.TAG_NAME, "a").text == f"{base}{HOSTILE}"  # as text
        assert HOSTILE in item.text
        assert item.find_elements(By.TAG_NAME, "img") == []
    finally:
        admin.ok(admin.delete(made.json()["pulp_href"]))


def test_the_page_path_is_no_index_base_path(admin):
    for path in ("_indexes", "_indexes/team"):
        refused = admin.post(
            "repositories/teamindex/teamindex/",
            json={"name": f"dp-{uuid.uuid4().hex[:6]}", "base_path": path},
        )
        assert refused.status_code == 400, refused.text
        assert "deployment page" in refused.text


def test_pulpcores_own_listing_names_no_guarded_index(pulp, deployment):
    root = get(f"{pulp.content_origin}/pulp/content/")
    assert root.status_code == 200
    public, mine = (deployment[k]["distribution"]["base_path"] for k in ("public", "mine"))
    assert f"{public}/" in root.text
    assert f"{mine}/" not in root.text
